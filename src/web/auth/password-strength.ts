/**
 * The strength rule for new passwords: at least 12 characters (checked by the body schema) and a
 * zxcvbn score of at least 3 of 4 ("safely unguessable: moderate protection from offline slow-hash
 * attacks"), estimated by @zxcvbn-ts/core with the common-password and English dictionaries and the
 * account's own username as a known word. OWASP ASVS 5.0 V6.2 (length over composition rules, refuse
 * common passwords). https://zxcvbn-ts.github.io/zxcvbn/
 *
 * Applies when a password is set (sign-up, change); existing shorter passwords still sign in.
 * The dictionaries load on first use (~100 ms, once per process).
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { ApiError } from '../errors.ts';

/** The lowest zxcvbn score (0-4) a new password must reach. */
export const MIN_PASSWORD_SCORE = 3;

/** The shortest new password, in characters (Unicode code points). */
export const MIN_PASSWORD_LENGTH = 12;

let estimator: ZxcvbnFactory | undefined;

function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  return estimator;
}

/** The estimate of a password: its score (0-4) and zxcvbn's feedback (English sentences). */
export interface PasswordEstimate {
  score: number;
  warning: string | null;
  suggestions: string[];
}

/**
 * Estimate a password's strength. Only the first 100 characters are looked at (zxcvbn's cost grows
 * with the length; a longer password is long enough).
 * @param userInputs words an attacker would try first (the username)
 */
export function estimatePassword(password: string, userInputs: string[] = []): PasswordEstimate {
  const result = zxcvbn().check(password.slice(0, 100), userInputs);
  return {
    score: result.score,
    warning: result.feedback.warning,
    suggestions: result.feedback.suggestions,
  };
}

/**
 * Refuse a new password that is easy to guess, saying why and how to fix it.
 * @throws ApiError password_too_weak
 */
export function assertStrongPassword(password: string, userInputs: string[]): void {
  const estimate = estimatePassword(password, userInputs);
  if (estimate.score >= MIN_PASSWORD_SCORE) return;
  const why = estimate.warning ?? 'It is easy to guess.';
  const how = estimate.suggestions.length > 0 ? ` ${estimate.suggestions.join(' ')}` : '';
  throw new ApiError(
    'password_too_weak',
    `This password is too easy to guess: ${why}${how} A phrase of four or more unrelated words works well.`,
  );
}
