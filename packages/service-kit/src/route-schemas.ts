/**
 * Response schemas the services' routes share. A route lists every status it answers, refusals
 * included, so the docs plugin's serializer checks each reply against a schema and the OpenAPI
 * document shows it. Objects are strict: a field a handler adds without documenting it fails the
 * reply (500) instead of being dropped without a word.
 */
import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** `{"error":{"code","message","details"}}` (errors.ts), nothing more and nothing less. */
export const errorResponse = z.strictObject({
  error: z.strictObject({
    code: z.string().meta({ description: 'Stable, machine-readable: SALE_SOLD_OUT, VALIDATION_FAILED, …' }),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
  }),
});

/** The refusals of every route behind a bearer token: the guard and the request budget. */
export const bearerRefusals = {
  401: 'no valid bearer token',
  403: "the token's roles do not include the one this route requires",
  429: "over the caller's request budget; Retry-After says when to come back",
} as const;

type ErrorResponses<S extends number> = { [K in S]: typeof errorResponse } & { '4xx': typeof errorResponse; '5xx': typeof errorResponse };

/**
 * The statuses a route refuses with, each with the reason a client reads in the document, plus the
 * error contract for any other 4xx and 5xx (a body too large, an unsupported media type, a masked
 * crash): with those two ranges no reply of the route goes out unchecked.
 */
export function errorResponses<const S extends number>(described: Record<S, string>): ErrorResponses<S> {
  const responses: Record<string, typeof errorResponse> = {
    '4xx': errorResponse.meta({ description: 'any other refusal, in the error contract' }),
    '5xx': errorResponse.meta({ description: 'a failure on our side, masked, in the error contract' }),
  };
  for (const [status, description] of Object.entries<string>(described)) responses[status] = errorResponse.meta({ description });
  return responses as ErrorResponses<S>;
}

/** The parts of a request a route's schema checks. */
export type RequestPart = 'headers' | 'params' | 'querystring' | 'body';

/**
 * A route's `validatorCompiler`: the zod schemas still validate, and still make the OpenAPI
 * document, but a part that `accepts` (a plain predicate, built from the same patterns) passes as
 * it came, without a zod parse. zod copies a part it accepts, and fastify then rebuilds the
 * headers object on every read; on a cached public read the two cost about a twentieth of the
 * request. A part the predicate refuses goes to zod, so a refusal's issues are zod's, as on every
 * other route. A predicate must accept nothing its schema refuses (a test per route says so);
 * refusing more only costs the zod parse.
 */
export function acceptedBeforeZod<S>(accepts: Partial<Record<RequestPart, (value: unknown) => boolean>>): FastifySchemaCompiler<S> {
  return (route) => {
    // fastify types a route's compiler by the whole route schema; what it is handed is one part's zod schema.
    const parse = validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]);
    const accept = route.httpPart ? accepts[route.httpPart as RequestPart] : undefined;
    if (!accept) return parse;
    // `true`: valid, and fastify keeps the part it has.
    return (data) => (accept(data) ? true : parse(data));
  };
}
