// The documentation site: the guides (docs/guide), the options tables and the API reference
// that `npm run docs` generates into docs/reference (scripts/docs/build-docs.ts), built by
// VitePress into docs/.vitepress/dist.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitepress';

const docs = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The guides, in the order a newcomer meets them. */
export const guides = [
  { text: 'Classify from code', link: '/guide/classify' },
  { text: 'Middleware in front of an API', link: '/guide/middleware' },
  { text: 'Auditing logs', link: '/guide/audit' },
  { text: 'A service for any language', link: '/guide/serve' },
  { text: 'Measuring and tuning', link: '/guide/eval' },
  { text: 'The guarded chat', link: '/guide/guarded-chat' },
  { text: 'In the browser', link: '/guide/browser' },
  { text: 'The model and its score', link: '/guide/model' },
  { text: 'Speed and memory', link: '/guide/performance' },
];

/** The API reference's pages, as TypeDoc's index lists them (one per public entry point). */
function apiPages() {
  const index = path.join(docs, 'reference/api/index.md');
  if (!existsSync(index)) return [];
  return [...readFileSync(index, 'utf8').matchAll(/^- \[(.+)\]\((.+)\.md\)$/gm)].map(([, text, file]) => ({
    text: text as string,
    link: `/reference/api/${(file as string).replace(/(^|\/)index$/, '$1')}`,
  }));
}

export default defineConfig({
  title: 'Vigil',
  description: 'Llama Guard 3 safety moderation for Node: SDK, HTTP middleware, CLI and service',
  lang: 'en-US',
  // Design records, benchmarks and security notes stay in the repository, read there.
  srcExclude: ['adr/**', 'benchmarks/**', 'security/**'],
  lastUpdated: false,
  // A favicon inline: browsers ask for one, and the site has no other static files to serve.
  head: [
    [
      'link',
      {
        rel: 'icon',
        href: "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><path d='M8 1 2 3.5V8c0 3.3 2.6 6.2 6 7 3.4-.8 6-3.7 6-7V3.5z' fill='%233451b2'/></svg>",
      },
    ],
  ],
  themeConfig: {
    nav: [
      { text: 'Guides', link: guides[0]?.link ?? '/' },
      { text: 'Options', link: '/reference/options' },
      { text: 'API', link: '/reference/api/' },
    ],
    sidebar: [
      { text: 'Guides', items: guides },
      {
        text: 'Reference',
        items: [
          { text: 'Options', link: '/reference/options' },
          { text: 'API', link: '/reference/api/', items: apiPages() },
        ],
      },
    ],
    search: { provider: 'local' },
    outline: [2, 3],
  },
});
