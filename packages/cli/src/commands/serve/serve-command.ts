import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Guard } from '@vigil/guard-core';
import { ApiError, createModerationApp, startModerationServer } from '@vigil/server';
import { pino } from 'pino';
import type { CommandContext } from '../../context/cli-context.js';
import { UsageError } from '../../context/usage-error.js';
import { readFlags } from '../../flags/flag-table.js';
import { openGuard } from '../../flags/open-guard.js';
import { modelName } from '../../output/model-name.js';
import { serveHelp } from './serve-help.js';
import { serveFlags, serveOptionsFromFlags } from './serve-options.js';

/**
 * Resolves on the first SIGTERM or SIGINT (or when `context.signal` aborts), with the signal's
 * name.
 */
function shutdownRequested(context: CommandContext) {
  let stop: () => void = () => {};
  const requested = new Promise<string>((resolve) => {
    const { signal } = context;
    const onAbort = () => resolve('abort');
    // Each signal once (as `process.once`): a second SIGTERM during the drain ends the process.
    const offs = (['SIGTERM', 'SIGINT'] as const).map((name) => {
      const off = context.signals.listen(() => {
        off();
        resolve(name);
      }, [name]);
      return off;
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    stop = () => {
      for (const off of offs) off();
      signal?.removeEventListener('abort', onAbort);
    };
  });
  return { requested, stop: () => stop() };
}

/** What `vigil serve` answers before its model is loaded: alive, not ready, nothing judged yet. */
function whileLoading(request: Request, retryAfterSeconds: number) {
  const { pathname } = new URL(request.url);
  if (pathname === '/healthz') return Response.json({ status: 'ok' });
  if (pathname === '/readyz') return Response.json({ status: 'loading' }, { status: 503 });
  const error = new ApiError(
    503,
    'service_unavailable',
    'the guard model is loading; retry when /readyz answers 200',
    {
      code: 'model_loading',
    },
  );
  return Response.json(error.body, { status: 503, headers: { 'retry-after': String(retryAfterSeconds) } });
}

/** A request being answered; `cut` once the shutdown deadline closed its connection. */
interface InFlight {
  method: string;
  route: string;
  requestId: string;
  started: number;
  cut: boolean;
}

const requestIdPattern = /^[\w.:-]{1,128}$/;

/**
 * `vigil serve`: listens first (a port in use fails at once; `/healthz` answers, `/readyz` is 503
 * until the model is loaded), loads the guard, serves the moderation API until SIGTERM/SIGINT,
 * then drains (readiness off, in-flight requests answered) and exits. A request still running at
 * `--shutdown-timeout-ms` is logged as cut: its connection was closed without an answer.
 * @returns the exit code: 0 after a graceful shutdown, 1 when the deadline cut connections.
 * @throws LoadInterruptedError for a signal during the model load (the port is closed first).
 */
export async function serveCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = readFlags('vigil serve', args, serveFlags);
  if (values.help) {
    context.stdout.write(serveHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`vigil serve: unexpected argument '${positionals[0]}'`);
  const options = await serveOptionsFromFlags(values, context.env);
  const requests = new AsyncLocalStorage<InFlight>();
  const logger = pino(
    {
      level: options.logLevel,
      base: { service: 'vigil-serve' },
      // The app's own lines about a cut request (a status it never sent, the disposed guard's
      // stack) are not written: the one line about it says what happened.
      hooks: {
        logMethod(parameters, method) {
          if (requests.getStore()?.cut) return;
          method.apply(this, parameters);
        },
      },
    },
    { write: (line: string) => context.stdout.write(line) },
  );
  let app: ReturnType<typeof createModerationApp> | undefined;
  let draining = false;
  const inFlight = new Set<InFlight>();
  const server = await startModerationServer(
    async (request, env) => {
      if (!app) return whileLoading(request, options.app.retryAfterSeconds ?? 1);
      const given = request.headers.get('x-request-id');
      const requestId = given && requestIdPattern.test(given) ? given : randomUUID();
      if (requestId !== given) request.headers.set('x-request-id', requestId);
      const entry = {
        method: request.method,
        route: new URL(request.url).pathname,
        requestId,
        started: performance.now(),
        cut: false,
      };
      inFlight.add(entry);
      try {
        // env carries the socket (`incoming`): the proxy appends the peer to X-Forwarded-For.
        const response = await requests.run(entry, () =>
          (app as NonNullable<typeof app>).fetch(request, env),
        );
        // While draining, no connection is kept for another request.
        if (draining) response.headers.set('connection', 'close');
        return response;
      } finally {
        inFlight.delete(entry);
      }
    },
    { port: options.port, host: options.host },
  ).catch((error: NodeJS.ErrnoException) => {
    const why =
      error.code === 'EADDRINUSE'
        ? `port ${options.port} is already in use on ${options.host} (pick another --port or stop the other server)`
        : `cannot listen (${error.code ?? error.message})`;
    throw new UsageError(`--host ${options.host} --port ${options.port}: ${why}`);
  });
  logger.info({ url: server.url, state: 'loading' }, 'listening');
  context.stderr.write(
    `vigil serve: listening on ${server.url} (/readyz answers 503 until the model is loaded)\n`,
  );
  let guard: Guard;
  try {
    guard = await openGuard(context, options.guard);
  } catch (error) {
    await server.drain(0);
    throw error;
  }
  // From here on a signal drains.
  const shutdown = shutdownRequested(context);
  try {
    const model = modelName(guard.model.id);
    app = createModerationApp({
      ...options.app,
      guard,
      logger,
      ready: () => !draining,
      modelId: options.app.modelId ?? model,
    });
    logger.info(
      {
        url: server.url,
        model,
        categories: guard.policy.categories.map((category) => category.code),
        threshold: guard.policy.threshold,
        auth: (options.app.apiKeys?.length ?? 0) > 0,
        upstream: options.app.upstream,
      },
      'ready',
    );
    context.stderr.write(`vigil serve: ready on ${server.url} (model ${model})\n`);
    const signal = await shutdown.requested;
    draining = true;
    logger.info({ signal, deadlineMs: options.shutdownTimeoutMs }, 'draining');
    const finished = await server.drain(options.shutdownTimeoutMs, () => {
      for (const entry of inFlight) {
        entry.cut = true;
        logger.warn(
          {
            requestId: entry.requestId,
            method: entry.method,
            route: entry.route,
            durationMs: Math.round((performance.now() - entry.started) * 100) / 100,
            outcome: 'cut',
          },
          `connection closed without an answer (--shutdown-timeout-ms ${options.shutdownTimeoutMs} passed)`,
        );
      }
    });
    logger.info({ finished }, 'stopped');
    return finished ? 0 : 1;
  } finally {
    shutdown.stop();
    await guard.dispose();
  }
}
