// The API reference: TypeDoc (0.28, which supports TypeScript 6.0) over the packages' public
// entry points, read from their sources and doc comments, written as Markdown pages that
// VitePress renders with the guides (typedoc-plugin-markdown, one page per entry point).
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Application, type Context, Converter } from 'typedoc';
import { REPO_ROOT } from '../fixtures/fixture-facts.js';
import { apiEntryPoints } from './api-entry-points.js';

/** Writes the reference into `outDir` and returns its pages as sidebar links, in entry order. */
export async function writeApiReference(outDir: string) {
  const entries = apiEntryPoints();
  rmSync(outDir, { recursive: true, force: true });
  const app = await Application.bootstrapWithPlugins({
    entryPoints: entries.map((entry) => path.join(REPO_ROOT, entry.source)),
    tsconfig: path.join(REPO_ROOT, 'scripts/docs/tsconfig.typedoc.json'),
    plugin: ['typedoc-plugin-markdown'],
    out: outDir,
    name: 'API reference',
    readme: 'none',
    excludeInternal: true,
    excludePrivate: true,
    disableSources: true,
    gitRevision: 'main',
    logLevel: 'Warn',
    treatWarningsAsErrors: false,
    // typedoc-plugin-markdown
    router: 'module',
    entryFileName: 'index',
    excludeScopesInPaths: true,
    hidePageHeader: true,
    hideBreadcrumbs: true,
    useCodeBlocks: true,
    parametersFormat: 'table',
    interfacePropertiesFormat: 'table',
    typeDeclarationFormat: 'table',
    sanitizeComments: true,
  } as Parameters<typeof Application.bootstrapWithPlugins>[0]);
  // Modules are named after what a user imports, not after their source paths (TypeDoc names
  // them by path below the entries' common directory, `packages/`, without `/index.ts`).
  const byPath = new Map(
    entries.map((entry) => [
      entry.source.replace(/^packages\//, '').replace(/\/index\.ts$/, ''),
      entry.specifier,
    ]),
  );
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context: Context) => {
    for (const module of context.project.children ?? []) {
      const specifier = byPath.get(module.name);
      if (!specifier) throw new Error(`API reference: no package entry for TypeDoc's module ${module.name}`);
      module.name = specifier;
    }
  });
  const project = await app.convert();
  if (!project) throw new Error('TypeDoc could not convert the packages (see the messages above)');
  await app.generateOutputs(project);
  if (app.logger.hasErrors()) throw new Error('TypeDoc reported errors (see the messages above)');
  fixAnchors(outDir);
  return entries;
}

/** VitePress's heading ids: lower case, punctuation dropped, spaces as `-`; repeats get `-1`, `-2`. */
function headingIds(markdown: string) {
  const seen = new Map<string, number>();
  const ids = new Set<string>();
  for (const [, text = ''] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .trim()
      .replace(/\s+/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    ids.add(count === 0 ? base : `${base}-${count}`);
  }
  return ids;
}

/**
 * typedoc-plugin-markdown numbers an anchor (`#guardstats-1`) when it has met the name before
 * elsewhere in the project, though the page holds one such heading: such a link is pointed at
 * the heading that is there.
 */
function fixAnchors(outDir: string) {
  const pages = readdirSync(outDir, { recursive: true, encoding: 'utf8' }).filter((file) =>
    file.endsWith('.md'),
  );
  const idsByPage = new Map(
    pages.map((page) => [page, headingIds(readFileSync(path.join(outDir, page), 'utf8'))]),
  );
  for (const page of pages) {
    const file = path.join(outDir, page);
    const text = readFileSync(file, 'utf8').replace(
      /\]\(([^)#\s]*)#([^)\s]+)\)/g,
      (link, target: string, anchor: string) => {
        const targetPage = target ? path.posix.join(path.posix.dirname(page), target) : page;
        const ids = idsByPage.get(targetPage);
        const unnumbered = anchor.replace(/-\d+$/, '');
        return ids && !ids.has(anchor) && ids.has(unnumbered) ? `](${target}#${unnumbered})` : link;
      },
    );
    writeFileSync(file, text);
  }
}
