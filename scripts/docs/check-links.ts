// Dead links in a built site: every internal `href` and `src` of every page must name a file of
// the site, and a `#fragment` an `id` on the page it points to. VitePress checks the links it
// sees in Markdown when it builds; this also covers the nav, the sidebar, the theme's own links
// and the generated pages, as a browser would follow them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface DeadLink {
  /** The page holding the link, relative to the site. */
  page: string;
  link: string;
  reason: string;
}

function htmlFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return htmlFiles(full, base);
    return entry.name.endsWith('.html') ? [path.relative(base, full)] : [];
  });
}

/** The file a site path is served from, as a static server would find it (or undefined). */
export function siteFile(siteDir: string, urlPath: string) {
  const decoded = decodeURIComponent(urlPath);
  const candidates = decoded.endsWith('/')
    ? [`${decoded}index.html`]
    : [decoded, `${decoded}.html`, `${decoded}/index.html`];
  return candidates
    .map((candidate) => path.join(siteDir, candidate))
    .find((file) => file.startsWith(siteDir) && existsSync(file) && statSync(file).isFile());
}

const ids = new Map<string, Set<string>>();
function idsOf(file: string) {
  let found = ids.get(file);
  if (!found) {
    found = new Set(
      [...readFileSync(file, 'utf8').matchAll(/\sid="([^"]+)"/g)].map((match) => match[1] as string),
    );
    ids.set(file, found);
  }
  return found;
}

/** Every dead internal link of the site in `siteDir`, and how many pages were read. */
export function deadLinks(siteDir: string): { pages: number; links: number; dead: DeadLink[] } {
  ids.clear();
  const pages = htmlFiles(siteDir);
  const dead: DeadLink[] = [];
  let links = 0;
  for (const page of pages) {
    const html = readFileSync(path.join(siteDir, page), 'utf8');
    for (const [, , link] of html.matchAll(/\s(href|src)="([^"]*)"/g)) {
      if (!link || /^([a-z][a-z0-9+.-]*:|\/\/)/i.test(link)) continue; // external, mailto:, data:
      links++;
      const url = new URL(link.replaceAll('&amp;', '&'), `http://site/${page}`);
      const file = siteFile(siteDir, url.pathname);
      if (!file) {
        dead.push({ page, link, reason: 'no such file' });
        continue;
      }
      const fragment = decodeURIComponent(url.hash.slice(1));
      if (fragment && file.endsWith('.html') && !idsOf(file).has(fragment)) {
        dead.push({ page, link, reason: `no id "${fragment}" on ${path.relative(siteDir, file)}` });
      }
    }
  }
  return { pages: pages.length, links, dead };
}
