// Express 4 and Express 5 side by side, and their four body parsers with each version's own
// defaults, for the parser-order matrix and the request-side differential suite.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5, { type Express, type RequestHandler } from 'express';
import express4 from 'express4';

export type ExpressVersion = 4 | 5;
export const EXPRESS_VERSIONS: readonly ExpressVersion[] = [4, 5];
export type ParserName = 'json' | 'urlencoded' | 'text' | 'raw';
export const PARSERS: readonly ParserName[] = ['json', 'urlencoded', 'text', 'raw'];

const modules = { 4: express4, 5: express5 } as const;

/** A new app of that major version. */
export const expressApp = (version: ExpressVersion): Express => modules[version]();

/**
 * `express.json()`, `.urlencoded()`, `.text()` or `.raw()` of that version, as an app mounts it
 * by default (Express 4's `urlencoded()` defaults to `extended: true`, said here to spare the
 * deprecation notice; Express 5's to `false`).
 */
export function bodyParser(version: ExpressVersion, name: ParserName): RequestHandler {
  const module = modules[version];
  if (name === 'urlencoded') return module.urlencoded(version === 4 ? { extended: true } : {});
  return module[name]();
}

/** Listens on a random loopback port. */
export async function listen(app: Express): Promise<{ url: string; server: Server }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
