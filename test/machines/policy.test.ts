import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  DEFAULT_RESTART_POLICY,
  nextRandom,
  type RestartPolicy,
  resolveRestartPolicy,
  seedFrom,
  validateRestartPolicy,
} from '../../machines/policy.ts';

const NO_JITTER: RestartPolicy = { ...DEFAULT_RESTART_POLICY, jitter: 0 };

describe('DEFAULT_RESTART_POLICY', () => {
  it('states the documented numbers', () => {
    expect(DEFAULT_RESTART_POLICY).toEqual({
      initialBackoffMs: 1_000,
      backoffFactor: 2,
      maxBackoffMs: 60_000,
      jitter: 0.2,
      stableResetMs: 60_000,
      maxUnexpectedExits: 5,
      crashWindowMs: 60_000,
      maxUnstableRuns: 10,
      conflictWindowMs: 90_000,
      heartbeatTimeoutMs: 30_000,
      startTimeoutMs: 30_000,
      stopTimeoutMs: 5_000,
      shutdownDeadlineMs: 15_000,
      isolateOnCrashLoop: true,
    });
    expect(Object.isFrozen(DEFAULT_RESTART_POLICY)).toBe(true);
  });
});

describe('validateRestartPolicy', () => {
  it('accepts the defaults and returns the policy', () => {
    expect(validateRestartPolicy(DEFAULT_RESTART_POLICY)).toBe(DEFAULT_RESTART_POLICY);
    expect(resolveRestartPolicy({ stopTimeoutMs: 10_000 }).stopTimeoutMs).toBe(10_000);
  });

  it.each<[Partial<RestartPolicy>, RegExp]>([
    [{ stopTimeoutMs: -1 }, /stopTimeoutMs must be a positive number of milliseconds \(got -1\)/],
    [{ heartbeatTimeoutMs: Number.NaN }, /heartbeatTimeoutMs .*got NaN/],
    [{ initialBackoffMs: 0 }, /initialBackoffMs/],
    [{ backoffFactor: 0.5 }, /backoffFactor must be a number ≥ 1/],
    [{ jitter: 1.5 }, /jitter must be a ratio between 0 and 1/],
    [{ jitter: -0.1 }, /jitter/],
    [{ maxUnexpectedExits: 2.5 }, /maxUnexpectedExits must be a whole number/],
    [{ maxUnstableRuns: 0 }, /maxUnstableRuns must be a whole number ≥ 1 \(got 0\)/],
    [{ maxBackoffMs: 500 }, /maxBackoffMs \(500\) must not be below initialBackoffMs \(1000\)/],
    [{ shutdownDeadlineMs: Number.POSITIVE_INFINITY }, /shutdownDeadlineMs/],
    [
      { isolateOnCrashLoop: 'false' as unknown as boolean },
      /isolateOnCrashLoop must be true or false \(got false\)/,
    ],
  ])('rejects %o', (override, message) => {
    expect(() => resolveRestartPolicy(override)).toThrow(message);
    expect(() => resolveRestartPolicy(override)).toThrow(/^invalid restart policy: /);
  });

  it('lists every problem at once', () => {
    expect(() => resolveRestartPolicy({ stopTimeoutMs: -1, jitter: 2 })).toThrow(/stopTimeoutMs.*; jitter/);
  });
});

describe('backoffDelay', () => {
  it('doubles from 1 s and caps at 60 s without jitter', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7, 50, 5_000].map((attempt) =>
      backoffDelay(attempt, NO_JITTER, 0.9),
    );
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  });

  it('applies ±20 % jitter: 0 → −20 %, 0.5 → exact, →1 → +20 %', () => {
    expect(backoffDelay(0, DEFAULT_RESTART_POLICY, 0)).toBe(800);
    expect(backoffDelay(0, DEFAULT_RESTART_POLICY, 0.5)).toBe(1_000);
    expect(backoffDelay(0, DEFAULT_RESTART_POLICY, 0.999_999)).toBe(1_200);
    expect(backoffDelay(3, DEFAULT_RESTART_POLICY, 0.25)).toBe(7_200);
  });

  it('never exceeds maxBackoffMs, jitter included', () => {
    expect(backoffDelay(5, DEFAULT_RESTART_POLICY, 0.999)).toBe(38_387);
    expect(backoffDelay(6, DEFAULT_RESTART_POLICY, 0.999)).toBe(60_000);
    expect(backoffDelay(6, DEFAULT_RESTART_POLICY, 0)).toBe(48_000);
  });

  it('treats a negative or fractional attempt as the whole attempt below, and clamps the sample', () => {
    expect(backoffDelay(-3, NO_JITTER, 0.5)).toBe(1_000);
    expect(backoffDelay(2.7, NO_JITTER, 0.5)).toBe(4_000);
    expect(backoffDelay(0, DEFAULT_RESTART_POLICY, 7)).toBe(1_200);
    expect(backoffDelay(0, DEFAULT_RESTART_POLICY, -7)).toBe(800);
  });

  it('supports full jitter (jitter 1): anywhere from 0 to twice the base, capped', () => {
    const full = { ...DEFAULT_RESTART_POLICY, jitter: 1 };
    expect(backoffDelay(1, full, 0)).toBe(0);
    expect(backoffDelay(1, full, 0.75)).toBe(3_000);
  });
});

describe('nextRandom / seedFrom', () => {
  it('is deterministic, uniform-ish in [0, 1), and differs per seed', () => {
    const draw = (seed: number, n: number) => {
      const out: number[] = [];
      let state = seed;
      for (let i = 0; i < n; i++) {
        const next = nextRandom(state);
        out.push(next.value);
        state = next.state;
      }
      return out;
    };
    const a = draw(seedFrom('tenant-a'), 2_000);
    expect(draw(seedFrom('tenant-a'), 2_000)).toEqual(a);
    expect(draw(seedFrom('tenant-b'), 5)).not.toEqual(a.slice(0, 5));
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1);
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
