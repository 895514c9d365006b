import t from 'tap';
import { ConfigError, common, parseConfig, refuseLocalOnlySecretsInProduction, z } from '../src/index.ts';

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
  const error = t.throws(() => parseConfig(schema, { ...valid, MYSQL_URL: 'postgres://x', PORT: 'abc', JWT_SECRET: undefined })) as ConfigError;
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

t.test('in production, a value marked local-only is refused and named; elsewhere it is accepted', async (t) => {
  const guarded = schema.extend({ NODE_ENV: common.NODE_ENV }).superRefine(refuseLocalOnlySecretsInProduction);
  const local = { ...valid, JWT_SECRET: 'local-only-jwt-secret-change-me', MYSQL_URL: 'mysql://u:order-local-only@127.0.0.1:3306/order_service' };
  t.equal(parseConfig(guarded, local).JWT_SECRET, 'local-only-jwt-secret-change-me', 'development is the default');
  t.equal(parseConfig(guarded, { ...local, NODE_ENV: 'test' }).JWT_SECRET, 'local-only-jwt-secret-change-me');
  const error = t.throws(() => parseConfig(guarded, { ...local, NODE_ENV: 'production' })) as ConfigError;
  t.type(error, ConfigError);
  t.match(error.message, /JWT_SECRET: holds a local-only value/);
  t.match(error.message, /MYSQL_URL: holds a local-only value/, 'a password inside a URL is a secret too');
  t.notMatch(error.message, /change-me|order-local-only/, 'the message names the variable, never the value');
  t.equal(parseConfig(guarded, { ...valid, NODE_ENV: 'production' }).NODE_ENV, 'production', 'real secrets start');
  const list = z
    .object({ NODE_ENV: common.NODE_ENV, SECRETS: z.string().transform((value) => value.split(',')) })
    .superRefine(refuseLocalOnlySecretsInProduction);
  t.throws(
    () => parseConfig(list, { NODE_ENV: 'production', SECRETS: 'a-real-one-of-enough-length,local-only-webhook-secret-0' }),
    /SECRETS: holds a local-only value/,
    'one local-only entry of a list is enough',
  );
});

t.test('an issuer, an audience and rate budgets are optional', async (t) => {
  const optional = z.object({
    JWT_ISSUER: common.JWT_ISSUER,
    JWT_AUDIENCE: common.JWT_AUDIENCE,
    RATE_LIMIT_MAX: common.rateLimitMax(),
    RATE_LIMIT_WINDOW_MS: common.rateLimitWindowMs(),
  });
  t.same(parseConfig(optional, {}), {});
  t.same(parseConfig(optional, { JWT_ISSUER: '', JWT_AUDIENCE: '', RATE_LIMIT_MAX: '', RATE_LIMIT_WINDOW_MS: '' }), {}, 'an empty value is unset');
  t.same(parseConfig(optional, { JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'flash-sale', RATE_LIMIT_MAX: '20', RATE_LIMIT_WINDOW_MS: '1000' }), {
    JWT_ISSUER: 'https://id.example',
    JWT_AUDIENCE: 'flash-sale',
    RATE_LIMIT_MAX: 20,
    RATE_LIMIT_WINDOW_MS: 1000,
  });
  t.throws(() => parseConfig(optional, { RATE_LIMIT_MAX: '0', RATE_LIMIT_WINDOW_MS: '5' }), /RATE_LIMIT_MAX[\s\S]*RATE_LIMIT_WINDOW_MS/);
});

t.test('TRUST_PROXY: none unless named; true trusts every hop; otherwise the proxies by address or CIDR range', async (t) => {
  const proxies = z.object({ TRUST_PROXY: common.TRUST_PROXY });
  t.equal(parseConfig(proxies, {}).TRUST_PROXY, false, 'unset: the socket peer is the client');
  t.equal(parseConfig(proxies, { TRUST_PROXY: '' }).TRUST_PROXY, false, 'empty as unset');
  t.equal(parseConfig(proxies, { TRUST_PROXY: 'false' }).TRUST_PROXY, false);
  t.equal(parseConfig(proxies, { TRUST_PROXY: 'true' }).TRUST_PROXY, true);
  t.same(parseConfig(proxies, { TRUST_PROXY: '10.0.0.0/8, 192.168.1.5,fd00::/8' }).TRUST_PROXY, ['10.0.0.0/8', '192.168.1.5', 'fd00::/8']);
  for (const wrong of ['load-balancer', '10.0.0.0/33', '10.0.0.1/8/1', '2', 'fd00::/129']) {
    const error = t.throws(() => parseConfig(proxies, { TRUST_PROXY: wrong }), wrong) as ConfigError;
    t.match(error.message, /TRUST_PROXY: must be true, false, or the proxies' addresses and CIDR ranges/, wrong);
  }
});
