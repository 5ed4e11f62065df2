/**
 * Cross-cutting error handling: one response shape for every failure (see errors.ts), Fastify's own
 * errors mapped onto the catalogue, validation messages that name the field, a JSON parser whose error
 * says where the JSON broke, and a 404 for unknown routes. A 5xx is logged with its cause under the
 * request id and answered with a generic sentence: internal text never reaches the client.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError } from './errors.ts';

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** How many unknown keys an error names (the rest are counted). */
const MAX_KEYS_NAMED = 3;

/** `text` cut to `max` characters, with an ellipsis when cut. */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Where a field sits, in words: `username`, `URL parameter id`, `the request body`. */
function fieldName(context: string | undefined, instancePath: string): string {
  const path = instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  if (context === 'params') return path ? `URL parameter ${path}` : 'the URL parameters';
  if (context === 'querystring') return path ? `query parameter ${path}` : 'the query string';
  if (context === 'headers') return path ? `header ${path}` : 'the headers';
  return path || 'the request body';
}

/** One validation issue as a sentence naming the field. */
function describeIssue(context: string | undefined, issue: ValidationIssue): string {
  const field = fieldName(context, issue.instancePath);
  const message = issue.message ?? 'is invalid';
  if (issue.keyword === 'invalid_type') {
    const isRoot = field === 'the request body';
    if (isRoot && /received (undefined|null)$/.test(message))
      return 'the request body is required (a JSON object)';
    if (!isRoot && /received undefined$/.test(message)) return `${field} is required`;
  }
  if (issue.keyword === 'unrecognized_keys') {
    const keys = Array.isArray(issue.params?.keys) ? (issue.params.keys as unknown[]) : [];
    const where = field === 'the request body' ? '' : ` in ${field}`;
    // Name a few keys, each cut short: a body of 70,000 unknown keys gets one short sentence.
    const shown = keys.slice(0, MAX_KEYS_NAMED).map((key) => clip(String(key), 40));
    const more = keys.length > MAX_KEYS_NAMED ? ` and ${keys.length - MAX_KEYS_NAMED} more` : '';
    return `unknown field${keys.length === 1 ? '' : 's'}${where}: ${shown.join(', ')}${more}`;
  }
  // zod's messages start with a capital ("Invalid input: ..."); they read fine after the field name.
  return `${field}: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
}

/** The validation error as one readable sentence (at most three issues). */
export function validationMessage(context: string | undefined, issues: ValidationIssue[]): string {
  const parts = issues.slice(0, 3).map((issue) => clip(describeIssue(context, issue), 300));
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return `Invalid request: ${parts.join('; ')}${more}.`;
}

/** Map any thrown value onto an {@link ApiError}; `undefined` means "internal, log it". */
export function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    return new ApiError('validation_failed', validationMessage(err.validationContext, err.validation));
  }
  const fastifyError = err as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(
        'invalid_json',
        'The request body is empty although Content-Type is application/json: send a JSON object, or no Content-Type.',
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('invalid_json', 'The request body is not valid JSON.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        'unsupported_media_type',
        'Send the request body as JSON (Content-Type: application/json).',
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('validation_failed', 'The request body does not match its Content-Length.');
    case 'FST_ERR_VALIDATION':
      return new ApiError('validation_failed', 'Invalid request.');
  }
  // PostgreSQL refused a character (NUL in text: invalid byte sequence / untranslatable character).
  const sqlState = (err as { code?: unknown }).code;
  if (sqlState === '22021' || sqlState === '22P05') {
    return new ApiError(
      'validation_failed',
      'Invalid request: the text contains a character that cannot be stored.',
    );
  }
  if (sqlState === '57014') {
    return new ApiError(
      'query_timeout',
      'This took too long and was stopped: search with more letters (or a user id), or try again in a minute.',
      { 'retry-after': '60' },
    );
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 404) return new ApiError('not_found', 'Not found.');
    if (status === 413) return new ApiError('payload_too_large', 'The request body is too large.');
    if (status === 415) return new ApiError('unsupported_media_type', 'Send the request body as JSON.');
    return new ApiError('validation_failed', 'Invalid request.');
  }
  return undefined;
}

function send(reply: FastifyReply, error: ApiError) {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.statusCode).type('application/json; charset=utf-8').send(error.toBody());
}

/**
 * What is wrong with a JSON text, from V8's parse error, without quoting the text (V8 quotes a
 * snippet of it in some messages, and the body may hold a token or a password).
 */
export function describeJsonError(message: string): string {
  const positioned = /^(.*?)(?: in JSON)? at position (\d+)/.exec(message);
  if (positioned) return `${positioned[1]} (at character ${Number(positioned[2]) + 1})`;
  const token = /^Unexpected token '(.)'/u.exec(message);
  if (token) return `unexpected '${token[1]}'`;
  if (/Unexpected end of JSON input/.test(message)) return 'it ends too early';
  return 'it cannot be parsed';
}

/**
 * The path of the first string (or key) holding a NUL character (U+0000) in a parsed JSON value, '' for
 * the value itself, or null when there is none. PostgreSQL cannot store NUL in text, so such input is
 * refused at the door rather than failing in the database.
 */
export function findNul(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object' || depth > 64) return null;
  for (const [key, item] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return here;
    const found = findNul(item, here, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

function nulMessage(field: string): string {
  return `Invalid request: ${field} contains a NUL character (\\u0000), which text cannot hold; remove it.`;
}

/**
 * A JSON body parser that keeps Fastify's protection against prototype poisoning (`__proto__`,
 * `constructor.prototype` are refused) and says where the JSON is broken, without echoing the body
 * (which may hold a token or a password).
 */
function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  // The API speaks JSON only: any other body is 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') {
      // An empty body with a JSON Content-Type (some clients always send the header) is "no body".
      done(null, undefined);
      return;
    }
    parse(request, body as string, (err, value) => {
      if (!err) {
        const nul = findNul(value, '');
        if (nul !== null) {
          done(new ApiError('validation_failed', nulMessage(nul || 'the request body')));
          return;
        }
      }
      if (!err || (err as FastifyError).code !== 'FST_ERR_CTP_INVALID_JSON_BODY') {
        done(err, value);
        return;
      }
      try {
        JSON.parse(body as string);
        done(
          new ApiError(
            'invalid_json',
            'The request body contains a forbidden key (__proto__ or constructor).',
          ),
        );
      } catch (syntax) {
        const where = describeJsonError(String((syntax as Error).message));
        done(new ApiError('invalid_json', `The request body is not valid JSON: ${where}.`));
      }
    });
  });
}

/** Install the error handler, the 404 handler and the JSON parser on the root instance. */
export function installErrorHandling(app: FastifyInstance): void {
  installJsonParser(app);
  // The same for the query string and URL parameters (e.g. `?query=a%00b`).
  app.addHook('preValidation', async (request) => {
    for (const [where, value] of [
      ['query parameter', request.query],
      ['URL parameter', request.params],
    ] as const) {
      const nul = findNul(value, '');
      if (nul !== null) throw new ApiError('validation_failed', nulMessage(`${where} ${nul}`.trim()));
    }
  });

  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = toApiError(err);
    if (known) {
      if (known.code === 'payload_too_large') {
        const kib = Math.floor((request.routeOptions.bodyLimit ?? 0) / 1024);
        if (kib > 0)
          return send(
            reply,
            new ApiError(
              'payload_too_large',
              `The request body is too large: this route accepts at most ${kib} KiB.`,
            ),
          );
      }
      if (known.statusCode >= 500) request.log.error({ err }, known.code);
      else request.log.info({ code: known.code, status: known.statusCode }, 'request refused');
      return send(reply, known);
    }
    request.log.error({ err }, 'unhandled error');
    return send(
      reply,
      new ApiError(
        'internal_error',
        `Something went wrong on our side. If it keeps happening, tell the operator the request id ${request.id}.`,
      ),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    send(
      reply,
      new ApiError('not_found', `There is no ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}.`),
    ),
  );
}
