import { describe, expect, it } from 'vitest';
import { describeJsonError, toApiError, validationMessage } from '../../src/web/error-handler.ts';
import { ApiError, ERROR_CATALOGUE } from '../../src/web/errors.ts';

describe('error messages', () => {
  it('describes broken JSON without quoting it', () => {
    const cases = ['{"token": "123:SECRETSECRETSECRET" x}', '{"a":1', '[1,]', '', '{"a":1}x'];
    for (const text of cases) {
      let message = '';
      try {
        JSON.parse(text);
      } catch (err) {
        message = (err as Error).message;
      }
      const described = describeJsonError(message);
      expect(described).not.toContain('SECRET');
      expect(described.length).toBeGreaterThan(0);
    }
    expect(describeJsonError("Expected ',' or '}' after property value in JSON at position 6")).toBe(
      "Expected ',' or '}' after property value (at character 7)",
    );
    expect(describeJsonError('Unexpected end of JSON input')).toBe('it ends too early');
  });

  it('names fields in validation messages', () => {
    expect(
      validationMessage('body', [
        {
          keyword: 'invalid_type',
          instancePath: '/username',
          message: 'Invalid input: expected string, received undefined',
        },
        { keyword: 'too_small', instancePath: '/password', message: 'must be at least 8 characters' },
      ]),
    ).toBe('Invalid request: username is required; password: must be at least 8 characters.');
    expect(
      validationMessage('params', [
        { keyword: 'invalid_format', instancePath: '/id', message: 'must be a tenant id' },
      ]),
    ).toBe('Invalid request: URL parameter id: must be a tenant id.');
    const many = Array.from({ length: 5 }, (_, i) => ({
      keyword: 'custom',
      instancePath: `/f${i}`,
      message: 'bad',
    }));
    expect(validationMessage('body', many)).toContain('(and 2 more)');
  });

  it('maps every ApiError to its catalogue status, and unknown errors to "internal"', () => {
    for (const code of Object.keys(ERROR_CATALOGUE) as Array<keyof typeof ERROR_CATALOGUE>) {
      expect(new ApiError(code, 'x').statusCode).toBe(ERROR_CATALOGUE[code]);
    }
    expect(toApiError(new Error('boom'))).toBeUndefined();
    expect(toApiError(Object.assign(new Error('x'), { statusCode: 500 }))).toBeUndefined();
    expect(
      toApiError(
        Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }),
      )?.statusCode,
    ).toBe(413);
  });
});
