import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';

export interface DocsOptions {
  title: string;
  version: string;
  description: string;
}

/**
 * Routes declare zod schemas; this validates requests with them, checks every reply against the
 * schema declared for its status (a reply off it is an error, so a 500, never sent: see
 * route-schemas.ts), and publishes the OpenAPI document generated from them at /docs (UI) and
 * /docs/json. Only routes added after it are in the document (health and metrics are not).
 */
export const docsPlugin = fp(
  async (app: FastifyInstance, options: DocsOptions) => {
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(swagger, {
      openapi: {
        info: { title: options.title, version: options.version, description: options.description },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      },
      transform: jsonSchemaTransform,
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'docs' },
);
