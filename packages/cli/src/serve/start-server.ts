import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';

export interface ModerationServer {
  /** `http://host:port`, with the port actually bound (for port 0). */
  readonly url: string;
  /** True once {@link ModerationServer.drain} was called (`/readyz` answers 503). */
  readonly draining: boolean;
  /**
   * Stops accepting connections, lets in-flight requests finish, and resolves once the server
   * is closed; connections still open after `deadlineMs` are cut. Idempotent.
   * @returns `true` when everything finished before the deadline.
   */
  drain(deadlineMs: number): Promise<boolean>;
}

/**
 * Listens with `@hono/node-server` on `host:port` and gives the lifecycle around it: `drain` for
 * graceful shutdown (readiness first, then no new connections, then idle keep-alive sockets
 * closed as their requests finish).
 * @example
 * const server = await startModerationServer((request) => app.fetch(request), { port: 8080, host: '127.0.0.1' });
 * process.once('SIGTERM', () => server.drain(10_000));
 */
export async function startModerationServer(
  fetch: (request: Request) => Response | Promise<Response>,
  { port, host }: { port: number; host: string },
): Promise<ModerationServer> {
  const server = createAdaptorServer({ fetch }) as Server;
  // Slow clients must not hold sockets forever; headers within 30 s, whole requests within 2 min.
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let draining: Promise<boolean> | undefined;
  return {
    url: `http://${shown}:${address.port}`,
    get draining() {
      return draining !== undefined;
    },
    drain(deadlineMs) {
      draining ??= new Promise<boolean>((resolve) => {
        let finished = true;
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const deadline = setTimeout(() => {
          finished = false;
          server.closeAllConnections();
        }, deadlineMs);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(deadline);
          resolve(finished);
        });
        server.closeIdleConnections();
      });
      return draining;
    },
  };
}
