/**
 * The exit codes every command shares (a command's own, such as audit's 1 for a finding, are in
 * its folder): 2 for a usage error or a failure, and 128 + the signal's number (the shell's
 * convention) for a run stopped by SIGHUP, SIGINT or SIGTERM.
 */
export const exitCodes = { ok: 0, usage: 2, failure: 2 } as const;

/** The signals a command stops on, each ending with 128 + its number. */
export const stopSignals = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof stopSignals;
