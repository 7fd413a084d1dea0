import path from 'node:path';
import { pino } from 'pino';
import { openGuard } from '../cli/guard-flags.js';
import type { CliContext } from '../cli/io.js';
import { parseFlags } from '../cli/parse-flags.js';
import { UsageError } from '../cli/usage-error.js';
import { createModerationApp } from './create-moderation-app.js';
import { serveHelp } from './serve-help.js';
import { serveFlags, serveOptionsFromFlags } from './serve-options.js';
import { startModerationServer } from './start-server.js';

/** Resolves on the first SIGTERM or SIGINT (or when `signal` aborts), with the signal's name. */
function shutdownRequested(signal: AbortSignal | undefined) {
  let stop: () => void = () => {};
  const requested = new Promise<string>((resolve) => {
    const onSignal = (name: string) => resolve(name);
    const onTerm = () => onSignal('SIGTERM');
    const onInt = () => onSignal('SIGINT');
    const onAbort = () => onSignal('abort');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    stop = () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      signal?.removeEventListener('abort', onAbort);
    };
  });
  return { requested, stop: () => stop() };
}

/**
 * `vigil serve`: loads the guard, serves the moderation API until SIGTERM/SIGINT, then drains
 * (readiness off, in-flight requests answered) and exits.
 * @returns the exit code: 0 after a graceful shutdown.
 */
export async function serveCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseFlags('vigil serve', args, serveFlags);
  if (values.help) {
    context.stdout.write(serveHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`vigil serve: unexpected argument '${positionals[0]}'`);
  const options = await serveOptionsFromFlags(values, context.env);
  const logger = pino(
    { level: options.logLevel, base: { service: 'vigil-serve' } },
    { write: (line: string) => context.stdout.write(line) },
  );
  const guard = await openGuard(context, options.guard);
  // From here on a signal drains; during the load it stops the process at once (nothing to drain).
  const shutdown = shutdownRequested(context.signal);
  let draining = false;
  try {
    const app = createModerationApp({
      ...options.app,
      guard,
      logger,
      ready: () => !draining,
      modelId: options.app.modelId ?? path.basename(guard.model.id.replace(/:\d+$/, ''), '.gguf'),
    });
    const server = await startModerationServer(
      async (request, env) => {
        // env carries the socket (`incoming`): the proxy appends the peer to X-Forwarded-For.
        const response = await app.fetch(request, env);
        // While draining, no connection is kept for another request.
        if (draining) response.headers.set('connection', 'close');
        return response;
      },
      { port: options.port, host: options.host },
    ).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(
        `--host ${options.host} --port ${options.port}: cannot listen (${error.code ?? error.message})`,
      );
    });
    logger.info(
      {
        url: server.url,
        model: guard.model.id,
        categories: guard.policy.categories.map((category) => category.code),
        threshold: guard.policy.threshold,
        auth: (options.app.apiKeys?.length ?? 0) > 0,
        upstream: options.app.upstream,
      },
      'listening',
    );
    context.stderr.write(`vigil serve: listening on ${server.url}\n`);
    const signal = await shutdown.requested;
    draining = true;
    logger.info({ signal, deadlineMs: options.shutdownTimeoutMs }, 'draining');
    const finished = await server.drain(options.shutdownTimeoutMs);
    logger.info({ finished }, 'stopped');
    return finished ? 0 : 1;
  } finally {
    shutdown.stop();
    await guard.dispose();
  }
}
