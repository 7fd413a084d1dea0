import { deadLinks } from './check-links.js';

const r = deadLinks('/work/wt-docs/docs/.vitepress/dist');
console.log(r.pages, r.links, r.dead.length);
const missingGuides = r.dead.filter((d) => d.reason === 'no such file' && d.link.startsWith('/guide/'));
console.log('guides', missingGuides.length);
for (const d of r.dead.filter((d) => !missingGuides.includes(d))) console.log(d.page, d.link, d.reason);
