import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';

/** While draining, a connection with no request in flight for this long is closed. */
const idleGraceMs = 500;
/** After a drain starts, new connections are still accepted (and answered) this long. */
const acceptGraceMs = 250;

export interface ModerationServer {
  /** `http://host:port`, with the port actually bound (for port 0). */
  readonly url: string;
  /** True once {@link ModerationServer.drain} was called (`/readyz` answers 503). */
  readonly draining: boolean;
  /**
   * Stops accepting connections, lets in-flight requests finish, and resolves once the server
   * is closed; connections still open after `deadlineMs` are cut, `onCut` called just before.
   * Idempotent.
   * @returns `true` when everything finished before the deadline.
   */
  drain(deadlineMs: number, onCut?: () => void): Promise<boolean>;
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
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>,
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
  // Which sockets carry a request, and since when the others are idle: Node's own
  // closeIdleConnections() (called by close()) also cuts a fresh connection whose request bytes
  // have arrived but are not parsed yet, losing a request sent before the shutdown.
  const idleSince = new Map<Socket, number | undefined>();
  server.on('connection', (socket: Socket) => {
    idleSince.set(socket, performance.now());
    socket.once('close', () => idleSince.delete(socket));
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    idleSince.set(request.socket, undefined);
    response.once('finish', () => {
      if (idleSince.has(request.socket)) idleSince.set(request.socket, performance.now());
    });
  });
  const closeIdle = (idleForMs: number) => {
    const now = performance.now();
    for (const [socket, since] of idleSince) {
      if (since !== undefined && now - since >= idleForMs) socket.destroy();
    }
  };
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let draining: Promise<boolean> | undefined;
  return {
    url: `http://${shown}:${address.port}`,
    get draining() {
      return draining !== undefined;
    },
    drain(deadlineMs, onCut) {
      draining ??= new Promise<boolean>((resolve) => {
        let finished = true;
        // While draining, responses say `Connection: close`; a socket idle this long is closed.
        server.closeIdleConnections = () => {};
        const sweep = setInterval(() => closeIdle(idleGraceMs), 50);
        const deadline = setTimeout(() => {
          finished = false;
          onCut?.();
          server.closeAllConnections();
        }, deadlineMs);
        // Connections the kernel completed but Node has not accepted yet would be reset by
        // closing the listener at once: accept for a moment more (answers say `close`).
        setTimeout(
          () =>
            server.close(() => {
              clearInterval(sweep);
              clearTimeout(deadline);
              resolve(finished);
            }),
          Math.min(acceptGraceMs, deadlineMs),
        );
      });
      return draining;
    },
  };
}
