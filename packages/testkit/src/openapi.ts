/**
 * What is wrong with a service's OpenAPI document, as readable lines (none when it is sound):
 * the document against the official OpenAPI JSON schema of its version, checked by a maintained
 * validator, and every operation saying what it answers, a 2xx and its refusals, so no route is
 * published without its contract.
 */
import { Validator } from '@seriousme/openapi-schema-validator';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };

export async function openApiProblems(document: Record<string, unknown>): Promise<string[]> {
  const problems: string[] = [];
  const result = await new Validator().validate(structuredClone(document));
  if (!result.valid) {
    const errors =
      typeof result.errors === 'string'
        ? [result.errors]
        : (result.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
    problems.push(...errors.map((error) => `schema: ${error}`));
  }
  const paths = (document.paths ?? {}) as Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const statuses = Object.keys(operation.responses ?? {});
      const hasSchema = (status: string) => status === '204' || operation.responses?.[status]?.content?.['application/json']?.schema !== undefined;
      if (!statuses.some((status) => /^2/.test(status) && hasSchema(status))) problems.push(`${method.toUpperCase()} ${path}: no 2xx response with a schema`);
      if (!statuses.some((status) => /^4/.test(status) && hasSchema(status))) problems.push(`${method.toUpperCase()} ${path}: no refusal (4xx) with a schema`);
    }
  }
  return problems;
}
