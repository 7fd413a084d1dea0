import { type StopSignal, stopSignals } from '../../context/exit-codes.js';
import type { AuditSummary } from './audit-types.js';

/** The exit codes of `vigil audit` (the audit guide's table, docs/guide/audit.md, and `--help` list the same). */
export const auditExitCodes = {
  /** Every planned check ran and nothing was flagged. */
  clean: 0,
  /** Something was flagged (`--no-fail`: 0). */
  flagged: 1,
  /** A usage error, input that could not be read or checked (beyond `--max-errors`), or a failure. */
  failed: 2,
} as const;

export interface ExitCodeInputs {
  summary: AuditSummary;
  /** A failure stopped the run or the report could not be written. */
  failed: boolean;
  /** The signal that stopped the run, if one did. */
  signal?: StopSignal | undefined;
  /** Errors tolerated before they count as a failure. Defaults to `0`. */
  maxErrors?: number | undefined;
  /** Exit 0 even when something is flagged. Defaults to `false`. */
  noFail?: boolean | undefined;
}

/**
 * The exit code an audit earned: 2 for a failure (the engine, the report could not be
 * written); the signal's code for a run stopped by one (the report is partial); then a gap
 * outranks a finding: 2 when more than `maxErrors` records or turns could not be checked (a
 * report with gaps cannot vouch for what it missed), 1 when something was flagged, and 0 only
 * when every planned check ran and nothing was flagged. A reader that closes stdout early
 * (`| head`) is no signal: the run ends with the code earned by what was reported.
 * @example
 * process.exitCode = auditExitCode({ summary, failed: false, maxErrors: 3 });
 */
export function auditExitCode(inputs: ExitCodeInputs): number {
  if (inputs.failed) return auditExitCodes.failed;
  if (inputs.signal) return stopSignals[inputs.signal];
  if (inputs.summary.errors > (inputs.maxErrors ?? 0)) return auditExitCodes.failed;
  if (inputs.summary.flagged > 0 && !inputs.noFail) return auditExitCodes.flagged;
  return auditExitCodes.clean;
}
