import t from 'tap';
import { ConfigError, common, parseConfig, z } from '../src/index.ts';

const schema = z.object({
  PORT: common.port(3001),
  MYSQL_URL: common.MYSQL_URL,
  REDIS_URL: common.REDIS_URL,
  KAFKA_BROKERS: common.KAFKA_BROKERS,
  JWT_SECRET: common.secret(),
});

const valid = {
  MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/order_service',
  REDIS_URL: 'redis://127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
  JWT_SECRET: 'a-secret-of-enough-length',
};

t.test('parses a valid environment and applies defaults', async (t) => {
  const config = parseConfig(schema, valid);
  t.equal(config.PORT, 3001);
  t.same(config.KAFKA_BROKERS, ['127.0.0.1:9092', '127.0.0.1:9093']);
});

t.test('names every bad variable at once', async (t) => {
  const error = t.throws(() =>
    parseConfig(schema, { ...valid, MYSQL_URL: 'postgres://x', PORT: 'abc', JWT_SECRET: undefined }),
  ) as ConfigError;
  t.type(error, ConfigError);
  t.equal(error.issues.length, 3);
  t.match(error.message, /MYSQL_URL: must be a URL with scheme mysql:/);
  t.match(error.message, /PORT:/);
  t.match(error.message, /JWT_SECRET:/);
});

t.test('a secret has no default', async (t) => {
  const { JWT_SECRET: _omitted, ...rest } = valid;
  t.throws(() => parseConfig(schema, rest), ConfigError);
});

t.test('a consumer group prefix is optional and limited to what Kafka group ids read well with', async (t) => {
  const prefixed = z.object({ KAFKA_GROUP_ID_PREFIX: common.KAFKA_GROUP_ID_PREFIX });
  t.equal(parseConfig(prefixed, {}).KAFKA_GROUP_ID_PREFIX, '', 'no prefix by default: the groups keep their names');
  t.equal(parseConfig(prefixed, { KAFKA_GROUP_ID_PREFIX: 'e2e-1a2b.' }).KAFKA_GROUP_ID_PREFIX, 'e2e-1a2b.');
  t.throws(() => parseConfig(prefixed, { KAFKA_GROUP_ID_PREFIX: 'has space' }), /KAFKA_GROUP_ID_PREFIX/);
});

t.test('a topic prefix is optional, in the Kafka topic charset, ends with "." or "-" and is bounded', async (t) => {
  const prefixed = z.object({ KAFKA_TOPIC_PREFIX: common.KAFKA_TOPIC_PREFIX });
  const prefix = (value: string | undefined) => parseConfig(prefixed, { KAFKA_TOPIC_PREFIX: value }).KAFKA_TOPIC_PREFIX;
  t.equal(prefix(undefined), '', 'no prefix by default: the topics keep their names');
  t.equal(prefix(''), '', 'empty is the same as unset');
  t.equal(prefix('e2e-1a2b3c.'), 'e2e-1a2b3c.');
  t.equal(prefix('ci_run-7-'), 'ci_run-7-');
  t.throws(() => prefix('e2e/1.'), /KAFKA_TOPIC_PREFIX: letters, digits/, 'a character Kafka refuses in a topic name');
  t.throws(() => prefix('has space.'), /KAFKA_TOPIC_PREFIX/);
  t.throws(() => prefix('e2e'), /KAFKA_TOPIC_PREFIX: must end with "\." or "-"/, 'a prefix glued to the name is refused');
  t.throws(() => prefix('e2e_'), /must end with/);
  t.equal(prefix(`${'a'.repeat(63)}.`), `${'a'.repeat(63)}.`, '64 characters fit');
  t.throws(() => prefix(`${'a'.repeat(64)}.`), /KAFKA_TOPIC_PREFIX: at most 64 characters/);
});
