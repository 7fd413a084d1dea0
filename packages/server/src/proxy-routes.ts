import type { IncomingMessage } from 'node:http';
import type { Guard } from '@vigil/guard-core';
import { type VigilOptions, vigil } from '@vigil/guard-middleware/hono';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { type Admission, busyError } from './admission.js';
import { ApiError } from './api-error.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';
import type { ServiceEnv } from './moderation-routes.js';

/** The routes guard proxy mode serves: OpenAI's and Anthropic's generation APIs. */
export const proxyRoutes = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/responses',
  '/v1/messages',
] as const;

export interface ProxyRouteOptions extends Omit<VigilOptions, 'guard'> {
  guard: Pick<Guard, 'classify'>;
  /** The upstream's base URL, e.g. `http://127.0.0.1:8000` (request paths are appended). */
  upstream: string;
  /**
   * `Authorization` sent upstream: a string replaces the client's header with `Bearer <key>`,
   * `null` drops it (the client's header held a key for this service), `undefined` forwards it.
   */
  upstreamAuthorization: string | null | undefined;
  /** Vigil's own API keys: no header holding one is forwarded. */
  apiKeys: readonly string[];
  /** Request header names forwarded beyond the allow-list (lower case). */
  extraHeaders: ReadonlySet<string>;
  /** Admission shared with the moderation routes: a proxy call holds one place until its answer is delivered. */
  admission: Admission;
  /** The `Retry-After` of a 429, in seconds. */
  retryAfterSeconds: number;
}

/** The client's address, when the app runs on `@hono/node-server` (which passes `incoming` as env). */
function peerOf(c: Context<ServiceEnv>): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}

/**
 * `Upgrade` (a protocol switch) and expectations other than `100-continue` (which Node has
 * already answered, having read the body) cannot be carried through the guard: a clear 4xx.
 */
function refuseUnforwardable(c: Context<ServiceEnv>) {
  if (c.req.header('upgrade') !== undefined) {
    throw new ApiError(
      400,
      'invalid_request_error',
      'Upgrade: expected no protocol switch (the guard proxy forwards HTTP requests only)',
      { code: 'upgrade_not_supported' },
    );
  }
  const expect = c.req.header('expect');
  if (expect !== undefined && expect.trim().toLowerCase() !== '100-continue') {
    throw new ApiError(
      417,
      'invalid_request_error',
      `Expect: expected nothing or 100-continue, received '${expect.slice(0, 100)}'`,
      { code: 'expectation_failed' },
    );
  }
}

/** `body`, calling `done` once it ends, fails or is cancelled (the client went away). */
function onEnd(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: ended, value } = await reader.read();
        if (ended) {
          done();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        done();
        controller.error(error);
      }
    },
    async cancel(reason) {
      done();
      await reader.cancel(reason);
    },
  });
}

/**
 * Guard proxy mode: admission (one place among `maxPending`, or 429), then `vigil()` from
 * `@vigil/guard-middleware/hono` on each route, then a forward with allow-listed headers
 * (see `upstreamRequestHeaders`).
 */
export function addProxyRoutes(
  app: Hono<ServiceEnv>,
  {
    upstream,
    upstreamAuthorization,
    apiKeys,
    extraHeaders,
    admission,
    retryAfterSeconds,
    ...options
  }: ProxyRouteOptions,
) {
  const base = upstream.replace(/\/+$/, '');
  const guarded = vigil(options);
  const admit: MiddlewareHandler<ServiceEnv> = async (c, next) => {
    refuseUnforwardable(c);
    if (!admission.tryAcquire(1)) throw busyError(admission, retryAfterSeconds);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      admission.release(1);
    };
    try {
      await next();
    } finally {
      const body = c.res.body;
      // The answer is checked as it streams: the place is held until it is delivered.
      if (body) c.res = new Response(onEnd(body, release), c.res);
      else release();
    }
  };
  for (const route of proxyRoutes) {
    app.post(route, admit, guarded, async (c) => {
      const url = new URL(c.req.url);
      const request = c.req.raw;
      const headers = upstreamRequestHeaders(request.headers, {
        apiKeys,
        upstreamAuthorization,
        extraHeaders,
        peer: peerOf(c),
      });
      const response = await fetch(`${base}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body: request.body,
        signal: request.signal,
        duplex: 'half',
      } as RequestInit).catch((error: unknown) => {
        throw new ApiError(
          502,
          'server_error',
          `upstream: the request failed (${(error as Error)?.message})`,
          {
            code: 'upstream_unavailable',
            cause: error,
          },
        );
      });
      return new Response(response.body, {
        status: response.status,
        headers: clientResponseHeaders(response.headers),
      });
    });
  }
}
