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
    return { mysqlAdminUrl, redisUrl: env.REDIS_URL, kafkaBrokers: env.KAFKA_BROKERS.split(','), kafkaCredentials: credentialsOf(env.KAFKA_SASL_USERNAME, env.KAFKA_SASL_PASSWORD), source: 'environment' };
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

async function startContainers(): Promise<Servers> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const [mysql, redis, kafka] = await Promise.all([
    new GenericContainer('mysql:8.4')
      .withEnvironment({ MYSQL_ROOT_PASSWORD: 'root-test-only' })
      .withExposedPorts(3306)
      .withWaitStrategy(Wait.forLogMessage(/port: 3306 {2}MySQL Community Server/))
      .start(),
    new GenericContainer('redis:7').withExposedPorts(6379).start(),
    new GenericContainer('apache/kafka:3.9.1')
      .withExposedPorts({ container: 9092, host: 19092 })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://localhost:19092',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start(),
  ]);
  return {
    mysqlAdminUrl: `mysql://root:root-test-only@${mysql.getHost()}:${mysql.getMappedPort(3306)}`,
    redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    kafkaBrokers: [`${kafka.getHost()}:19092`],
    kafkaCredentials: {},
    source: 'testcontainers',
  };
}

async function startLocalStack(): Promise<Servers> {
  await promisify(execFile)('bash', [`${repoRoot}infra/local/stack.sh`, 'up'], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  const { stdout } = await promisify(execFile)(
    'bash',
    ['-c', 'source infra/local/env.sh && printf "%s\\n%s\\n%s\\n%s\\n%s\\n" "$MYSQL_ADMIN_URL" "$REDIS_URL" "$KAFKA_BROKERS" "$KAFKA_SASL_USERNAME" "$KAFKA_SASL_PASSWORD"'],
    { cwd: repoRoot },
  );
  const [mysqlAdminUrl = '', redisUrl = '', brokers = '', username, password] = stdout.trim().split('\n');
  return { mysqlAdminUrl, redisUrl, kafkaBrokers: brokers.split(','), kafkaCredentials: credentialsOf(username, password), source: 'local-stack' };
}
