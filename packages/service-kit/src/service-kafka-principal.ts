/**
 * A service's Kafka principal as infra/local/env.sh exports it, the one place its name is spelled:
 * `<SERVICE>_KAFKA_USER` and `<SERVICE>_KAFKA_PASSWORD` (ORDER_KAFKA_USER, …). The stack's grants
 * (scripts/stack/kafka-acls.ts) and whatever starts a service as itself read them here;
 * scripts/start-service.sh reads the same variables.
 */
const variablePrefix = (service: string) => service.toUpperCase().replaceAll('-', '_');

/** The user name a service signs in to Kafka with; it must be in the environment. */
export function serviceKafkaUser(service: string, env: NodeJS.ProcessEnv = process.env): string {
  const name = `${variablePrefix(service)}_KAFKA_USER`;
  const user = env[name];
  if (!user) throw new Error(`${name} must be set (source infra/local/env.sh)`);
  return user;
}

/** The KAFKA_SASL_* variables a process signs in with as the service; none when the environment names no principal for it. */
export function serviceKafkaCredentials(
  service: string,
  env: NodeJS.ProcessEnv = process.env,
): { KAFKA_SASL_USERNAME: string; KAFKA_SASL_PASSWORD: string } | Record<string, never> {
  const prefix = variablePrefix(service);
  const username = env[`${prefix}_KAFKA_USER`];
  const password = env[`${prefix}_KAFKA_PASSWORD`];
  return username && password ? { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } : {};
}
