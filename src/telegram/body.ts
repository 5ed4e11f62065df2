/**
 * The request body of a Bot API call: JSON only (https://core.telegram.org/bots/api#making-requests,
 * "application/json"). No caller of the platform uploads files (photos go by file_id or URL), so
 * multipart/form-data is not supported: a parameter JSON cannot carry faithfully — a Buffer, a stream, a
 * Blob, Telegraf's `{ source }` InputFile, a function, a bigint, NaN — is refused with a clear error
 * instead of being sent mangled. `null` and `undefined` fields are left out (Telegram's defaults apply),
 * as Telegraf does.
 */

/** Why `value` cannot be sent as JSON, or null when it can. `path` names the parameter for the message. */
function problemOf(value: unknown, path: string, depth: number): string | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${path} is ${String(value)}`;
    case 'bigint':
    case 'function':
    case 'symbol':
      return `${path} is a ${typeof value}`;
  }
  if (depth > 20) return `${path} is nested too deeply`;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)
    return `${path} is binary data (a file upload?)`;
  if (typeof Blob !== 'undefined' && value instanceof Blob) return `${path} is a Blob (a file upload?)`;
  if (value instanceof Date) return `${path} is a Date (the Bot API takes Unix time in seconds)`;
  const object = value as Record<string, unknown>;
  if (typeof object.pipe === 'function' || typeof object.getReader === 'function') {
    return `${path} is a stream (a file upload?)`;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = problemOf(value[i], `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  if ('source' in object && object.source !== undefined) return `${path} is an InputFile (a file upload)`;
  for (const [key, inner] of Object.entries(object)) {
    const problem = problemOf(inner, `${path}.${key}`, depth + 1);
    if (problem) return problem;
  }
  return null;
}

function dropNulls(_key: string, value: unknown): unknown {
  return value === null ? undefined : value;
}

/**
 * The JSON body of `method` with `params`, or undefined for no parameters.
 * @throws TypeError when `params` is not an object or holds something JSON cannot carry (names the parameter)
 */
export function jsonBody(method: string, params: Record<string, unknown> | undefined): string | undefined {
  if (params === undefined) return undefined;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new TypeError(`${method}: the parameters must be an object`);
  }
  for (const [key, value] of Object.entries(params)) {
    const problem = problemOf(value, key, 0);
    if (problem) {
      throw new TypeError(
        `${method}: ${problem}; the Bot API seam sends JSON only (pass a file_id or an HTTP URL string, not a file)`,
      );
    }
  }
  const body = JSON.stringify(params, dropNulls);
  return body === '{}' ? undefined : body;
}
