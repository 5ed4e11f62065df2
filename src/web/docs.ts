/**
 * The OpenAPI document (`GET /api/docs/json`) and its browsable reference (`/api/docs`), generated
 * from the routes' zod schemas; a schema named with `.meta({ id })` (the error body, a JSON value) is
 * written once under `components.schemas` and referred to. Register before the routes: @fastify/swagger
 * collects them as they are added. The admin panel's types are generated from this document
 * (`npm run gen:api`, scripts/api-types.ts).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { CSRF_HEADER, SESSION_COOKIE } from './auth/cookies.ts';

export const DOCS_PREFIX = '/api/docs';

/** Register the document and the reference page on `app`. */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'tg-lottery admin API',
        description:
          'Accounts, bot config, lotteries and platform administration. Errors always answer ' +
          '`{ "error": { "code", "message" } }`. Signed-in routes need the `tgl_session` cookie; ' +
          `state-changing ones also the \`${CSRF_HEADER}\` header (the value of the \`tgl_csrf\` cookie).`,
        version: '1',
      },
      tags: [
        { name: 'auth', description: 'accounts and sessions' },
        { name: 'bot', description: "the signed-in tenant's bot config" },
        {
          name: 'lotteries',
          description: "the signed-in tenant's lotteries and chats; the public draw proof",
        },
        { name: 'admin', description: 'platform admin only' },
        { name: 'ops', description: 'probes and metrics' },
      ],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          csrf: { type: 'apiKey', in: 'header', name: CSRF_HEADER },
        },
      },
    },
    transformObject: createJsonSchemaTransformObject({}),
    transform: createJsonSchemaTransform({
      skipList: [
        DOCS_PREFIX,
        `${DOCS_PREFIX}/`,
        `${DOCS_PREFIX}/initOAuth`,
        `${DOCS_PREFIX}/json`,
        `${DOCS_PREFIX}/uiConfig`,
        `${DOCS_PREFIX}/yaml`,
        `${DOCS_PREFIX}/*`,
        `${DOCS_PREFIX}/static/*`,
      ],
    }),
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: false,
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });
}
