// Issue 23: `npm run docs` builds the documentation site (VitePress fails the build on a dead
// link in the Markdown); every internal link of the built pages resolves, anchors included; and
// the home page renders in headless Chromium (Debian's `chromium`, which .ci/run installs when
// missing), served from loopback, with a screenshot kept in docs/.vitepress/screenshots/.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLinks, siteFile } from '../scripts/docs/check-links.js';
import { REPO_ROOT } from '../scripts/fixtures/fixture-facts.js';

const siteDir = path.join(REPO_ROOT, 'docs/.vitepress/dist');
const screenshot = path.join(REPO_ROOT, 'docs/.vitepress/screenshots/home.png');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let build: { code: number | null; output: string };

beforeAll(async () => {
  build = await new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'docs'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}, 600_000);

describe('the documentation site', () => {
  it('builds with npm run docs (VitePress checks the Markdown links)', () => {
    expect(build.code, build.output).toBe(0);
    expect(build.output).not.toMatch(/dead link/i);
    const config = readFileSync(path.join(REPO_ROOT, 'docs/.vitepress/config.ts'), 'utf8');
    expect(config).not.toContain('ignoreDeadLinks');
  });

  it('has a page per guide, the options tables and the API reference of every public entry', () => {
    const pages = [
      'guide/classify',
      'guide/middleware',
      'guide/audit',
      'guide/serve',
      'guide/eval',
      'guide/guarded-chat',
      'guide/browser',
      'reference/options',
      'reference/api/',
      'reference/api/guard-core',
      'reference/api/guard-core/testing',
      'reference/api/guard-middleware/hono',
      'reference/api/guard-middleware/express',
      'reference/api/guard-middleware/ai-sdk',
      'reference/api/generator',
      'reference/api/engine-transformers',
      'reference/api/guard-middleware',
      'reference/api/server',
      'reference/api/cli',
    ];
    expect(pages.filter((page) => !siteFile(siteDir, `/${page}`))).toEqual([]);
    expect(siteFile(siteDir, '/reference/api/guard-core/internal')).toBeUndefined();
    const options = readFileSync(siteFile(siteDir, '/reference/options') as string, 'utf8');
    for (const type of ['GuardOptions', 'ClassifyOptions', 'GeneratorOptions', 'TransformersEngineOptions']) {
      expect(options).toContain(`id="${type.toLowerCase()}"`);
    }
    expect(options).toContain('VIGIL_GUARD_MODEL');
  });

  it('has no dead internal link: files and anchors, nav and sidebar included', () => {
    const { pages, links, dead } = deadLinks(siteDir);
    expect(pages).toBeGreaterThanOrEqual(15);
    expect(links).toBeGreaterThan(500);
    expect(dead).toEqual([]);
  });

  it('the link check finds a missing page and a missing anchor', () => {
    const fake = mkdtempSync(path.join(tmpdir(), 'vigil-links-'));
    try {
      writeFileSync(path.join(fake, 'index.html'), '<h2 id="here">x</h2><a href="/a.html#there">a</a>');
      writeFileSync(
        path.join(fake, 'a.html'),
        '<p id="there"><a href="/index.html#gone">x</a> <a href="/b">y</a> <a href="#here">z</a></p>' +
          '<a href="/index.html#here">fine</a> <a href="/">fine</a> <a href="https://example.com/x">external</a>',
      );
      expect(deadLinks(fake).dead.map((link) => `${link.page} ${link.link}`)).toEqual([
        'a.html /index.html#gone',
        'a.html /b',
        'a.html #here',
      ]);
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });
});

describe('the home page in headless Chromium', () => {
  let server: Server;
  let browser: Browser | undefined;
  let profile = '';

  beforeAll(async () => {
    server = createServer((request, response) => {
      const file = siteFile(siteDir, new URL(request.url ?? '/', 'http://site').pathname);
      if (!file) {
        response.writeHead(404).end();
        return;
      }
      const types: Record<string, string> = {
        '.html': 'text/html',
        '.js': 'text/javascript',
        '.css': 'text/css',
        '.svg': 'image/svg+xml',
        '.json': 'application/json',
        '.woff2': 'font/woff2',
      };
      response.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      response.end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    profile = mkdtempSync(path.join(tmpdir(), 'vigil-chromium-'));
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('renders the site, not an error, and links to the guides', async () => {
    const page = await (browser as Browser).newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
    });
    await page.setViewport({ width: 1280, height: 900 });
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'networkidle0', timeout: 60_000 });
    await page.waitForSelector('.VPHero .name', { timeout: 30_000 });
    const hero = await page.$eval('.VPHero .name', (element) => element.textContent?.trim());
    expect(hero).toBe('Vigil');
    const features = await page.$$eval('.VPFeature .title', (elements) =>
      elements.map((element) => element.textContent?.trim()),
    );
    expect(features).toContain('vigil audit');
    mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);

    // Hydrated: the client-side router follows a link to a guide.
    await Promise.all([page.waitForSelector('.VPDoc h1'), page.click('.VPHero .actions a')]);
    const title = await page.$eval('.VPDoc h1', (element) => element.textContent?.trim());
    expect(title).toMatch(/^Classify from code/);

    // Every page of the sidebar renders its heading with no error in the page.
    const links = await page.$$eval('.VPSidebar a.link', (anchors) =>
      anchors.map((anchor) => anchor.getAttribute('href') ?? ''),
    );
    expect(links.length).toBeGreaterThanOrEqual(15);
    for (const link of links) {
      await page.goto(new URL(link, `http://127.0.0.1:${port}/`).href, {
        waitUntil: 'networkidle0',
        timeout: 60_000,
      });
      const heading = await page.$eval('.VPDoc h1', (element) => element.textContent?.trim() ?? '');
      expect(heading, link).not.toBe('');
    }
    expect(problems).toEqual([]);
  }, 180_000);
});
