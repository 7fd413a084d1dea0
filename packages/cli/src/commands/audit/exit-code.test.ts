import { describe, expect, it } from 'vitest';
import { emptySummary } from './audit-types.js';
import { auditExitCode } from './exit-code.js';

const summary = (flagged: number, errors: number) => ({
  ...emptySummary(),
  turnsChecked: 5,
  flagged,
  errors,
});

describe('auditExitCode', () => {
  it('gives 0 only for a complete run with nothing flagged', () => {
    expect(auditExitCode({ summary: summary(0, 0), failed: false })).toBe(0);
    expect(auditExitCode({ summary: summary(2, 0), failed: false })).toBe(1);
    expect(auditExitCode({ summary: summary(2, 0), failed: false, noFail: true })).toBe(0);
  });

  it('puts errors beyond --max-errors above findings, failures and signals above both', () => {
    expect(auditExitCode({ summary: summary(0, 1), failed: false })).toBe(2);
    expect(auditExitCode({ summary: summary(3, 1), failed: false })).toBe(2);
    expect(auditExitCode({ summary: summary(3, 1), failed: false, noFail: true })).toBe(2);
    expect(auditExitCode({ summary: summary(3, 1), failed: false, maxErrors: 1 })).toBe(1);
    expect(auditExitCode({ summary: summary(0, 2), failed: false, maxErrors: 2 })).toBe(0);
    expect(auditExitCode({ summary: summary(0, 0), failed: false, signal: 'SIGTERM' })).toBe(143);
    expect(auditExitCode({ summary: summary(0, 0), failed: false, signal: 'SIGHUP' })).toBe(129);
    expect(auditExitCode({ summary: summary(1, 0), failed: false, signal: 'SIGINT' })).toBe(130);
    expect(auditExitCode({ summary: summary(0, 0), failed: true, signal: 'SIGINT' })).toBe(2);
  });
});
