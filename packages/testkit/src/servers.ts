/**
 * Where tests find their real servers, in this order: the environment (`MYSQL_ADMIN_URL` or
 * `MYSQL_URL`, `REDIS_URL`, `KAFKA_BROKERS`, as `npm test` sets them); testcontainers when a Docker
 * engine answers; failing both, the repository's own local stack, started on demand. The Kafka
 * principal tests act as (`KAFKA_SASL_USERNAME`/`KAFKA_SASL_PASSWORD`: the stack's administrator,
 * which isolates its topics by prefix) comes the same way.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface Servers {
  mysqlAdminUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  /** The SASL variables of the principal tests use, to pass to a process; empty when the broker needs none. */
  kafkaCredentials: KafkaCredentials;
  source: 'environment' | 'testcontainers' | 'local-stack';
}

export type KafkaCredentials = { KAFKA_SASL_USERNAME: string; KAFKA_SASL_PASSWORD: string } | Record<string, never>;

const credentialsOf = (username: string | undefined, password: string | undefined): KafkaCredentials =>
  username && password ? { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } : {};

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
let resolved: Promise<Servers> | undefined;

export function resolveServers(env: NodeJS.ProcessEnv = process.env): Promise<Servers> {
  resolved ??= resolveOnce(env);
  return resolved;
}

async function resolveOnce(env: NodeJS.ProcessEnv): Promise<Servers> {
  const mysqlAdminUrl = env.MYSQL_ADMIN_URL ?? env.MYSQL_URL;
  if (mysqlAdminUrl && env.REDIS_URL && env.KAFKA_BROKERS) {
    return {
      mysqlAdminUrl,
      redisUrl: env.REDIS_URL,
      kafkaBrokers: env.KAFKA_BROKERS.split(','),
      kafkaCredentials: credentialsOf(env.KAFKA_SASL_USERNAME, env.KAFKA_SASL_PASSWORD),
      source: 'environment',
    };
  }
  if (await dockerAnswers()) return startContainers();
  return startLocalStack();
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/**
 * The stack's engines from the maintained testcontainers modules, on ports Docker picks (the Kafka
 * module advertises the mapped one). What this does not reproduce of the local stack: the broker is
 * PLAINTEXT with no authorizer (the module offers SASL only over TLS, and no ACLs), so there are no
 * per-service principals and nothing is refused (infra/local/kafka/security.sh is what the stack
 * runs; tests that prove a refusal skip here); MariaDB and Redis have the root and default users
 * only, without the per-service users and grants of scripts/stack/prepare.ts and
 * scripts/stack/redis-users.ts; and it is one server of each, the single topology.
 */
async function startContainers(): Promise<Servers> {
  const [{ MariaDbContainer }, { RedisContainer }, { KafkaContainer }] = await Promise.all([
    import('@testcontainers/mariadb'),
    import('@testcontainers/redis'),
    import('@testcontainers/kafka'),
  ]);
  const [mariadb, redis, kafka] = await Promise.all([
    new MariaDbContainer('mariadb:10.11').withRootPassword('root-test-only').start(),
    new RedisContainer('redis:7').start(),
    // Confluent's image of Kafka 3.9 (the module drives that image's start script), in KRaft mode.
    new KafkaContainer('confluentinc/cp-kafka:7.9.0').withKraft().withEnvironment({ KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false' }).start(),
  ]);
  return {
    mysqlAdminUrl: `mysql://root:${mariadb.getRootPassword()}@${mariadb.getHost()}:${mariadb.getPort()}`,
    redisUrl: redis.getConnectionUrl(),
    kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
    kafkaCredentials: {},
    source: 'testcontainers',
  };
}

async function startLocalStack(): Promise<Servers> {
  await promisify(execFile)('bash', [`${repoRoot}infra/local/stack.sh`, 'up'], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  const { stdout } = await promisify(execFile)(
    'bash',
    [
      '-c',
      'source infra/local/env.sh && printf "%s\\n%s\\n%s\\n%s\\n%s\\n" "$MYSQL_ADMIN_URL" "$REDIS_URL" "$KAFKA_BROKERS" "$KAFKA_SASL_USERNAME" "$KAFKA_SASL_PASSWORD"',
    ],
    { cwd: repoRoot },
  );
  const [mysqlAdminUrl = '', redisUrl = '', brokers = '', username, password] = stdout.trim().split('\n');
  return { mysqlAdminUrl, redisUrl, kafkaBrokers: brokers.split(','), kafkaCredentials: credentialsOf(username, password), source: 'local-stack' };
}
