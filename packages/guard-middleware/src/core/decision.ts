import type { JudgedRole, Verdict } from '@vigil/guard-core';

/**
 * What the middleware did with one side of one exchange:
 * - `allow`: checked and safe; `block`: unsafe, replaced by an error (mode `'block'`);
 * - `flag`: unsafe but let through (modes `'annotate'` and `'shadow'`);
 * - `fail-open` / `fail-closed`: the check failed and the traffic passed / was refused;
 * - `skip`: nothing to check (see `reason`).
 */
export type VigilAction = 'allow' | 'block' | 'flag' | 'fail-open' | 'fail-closed' | 'skip';

/** One decision, as `onDecision` and the context see it. */
export interface VigilDecision {
  /** `user` for the request check, `assistant` for the response check. */
  role: JudgedRole;
  action: VigilAction;
  /** The verdict, when a check completed. */
  verdict: Verdict | undefined;
  /** The failure, for `fail-open`, `fail-closed` and aborted checks. */
  error: unknown;
  /** Milliseconds spent waiting for the guard (all checks of a stream summed). */
  durationMs: number;
  /** Why nothing was checked (`skip`) or what failed, in words. */
  reason?: string | undefined;
  /** True for a streamed (SSE) response. */
  streamed?: boolean | undefined;
}

/** The verdicts of one exchange, on `c.get('vigil')`, `res.locals.vigil` and `req.vigil`. */
export interface VigilContext {
  request?: VigilDecision | undefined;
  /** Set once the response is checked (visible to middleware that runs after the handler). */
  response?: VigilDecision | undefined;
}

/** The action for a completed check, by mode. */
export function actionFor(verdict: Verdict, mode: 'block' | 'annotate' | 'shadow'): VigilAction {
  if (verdict.safe) return 'allow';
  return mode === 'block' ? 'block' : 'flag';
}

/** Calls `onDecision`, never letting its errors reach the request. */
export function report(onDecision: ((decision: VigilDecision) => void) | undefined, decision: VigilDecision) {
  if (!onDecision) return;
  try {
    onDecision(decision);
  } catch {
    // a logging hook must not break traffic
  }
}
