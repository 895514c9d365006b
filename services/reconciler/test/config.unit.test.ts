import { ConfigError, parseConfig } from '@flash-sale/config';
import t from 'tap';
import { reconcilerConfigSchema } from '../src/config.ts';
import { replayTopics } from '../src/application/replay/order-lifecycle.replay.ts';

const base = {
  MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/reconciler_service',
  REDIS_URL: 'redis://127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092',
  JWT_SECRET: 'a-secret-of-sixteen+',
};

t.test('defaults follow the repair thresholds of docs/consistency.md and the local schema names', async (t) => {
  const config = parseConfig(reconcilerConfigSchema, base);
  t.match(config, { PORT: 3004, ORDER_SCHEMA: 'order_service', PAID_PENDING_AFTER_MS: 300_000, OUTBOX_STUCK_AFTER_MS: 600_000, SCHEDULES_ENABLED: true });
});

t.test('refuses a schema name that could break out of a quoted identifier, and a missing secret', async (t) => {
  t.throws(() => parseConfig(reconcilerConfigSchema, { ...base, ORDER_SCHEMA: 'x`; DROP' }), ConfigError);
  const { JWT_SECRET: _secret, ...withoutSecret } = base;
  t.throws(() => parseConfig(reconcilerConfigSchema, withoutSecret), /JWT_SECRET/);
});

t.test('KAFKA_TOPIC_PREFIX: empty by default; the replay reads the catalog topics behind it, overrides as given', async (t) => {
  t.equal(parseConfig(reconcilerConfigSchema, base).KAFKA_TOPIC_PREFIX, '');
  t.throws(() => parseConfig(reconcilerConfigSchema, { ...base, KAFKA_TOPIC_PREFIX: 'no-separator' }), /KAFKA_TOPIC_PREFIX/);
  const prefix = parseConfig(reconcilerConfigSchema, { ...base, KAFKA_TOPIC_PREFIX: 'e2e-1a2b.' }).KAFKA_TOPIC_PREFIX;
  const topics = replayTopics({}, prefix);
  t.ok(topics.length > 0 && topics.every((topic) => topic.startsWith('e2e-1a2b.')), JSON.stringify(topics));
  t.same(
    replayTopics({}, prefix).map((topic) => topic.slice(prefix.length)),
    replayTopics(),
    'the same topics, prefixed',
  );
  t.ok(replayTopics({ 'order.created.v1': 'mirror.orders' }, prefix).includes('mirror.orders'), 'an override is the name on the broker');
});

t.test('with NODE_ENV=production the reconciler service refuses the committed local-only secrets, naming each variable and never its value', async (t) => {
  const local = {
    MYSQL_URL: 'mysql://reconciler_svc:reconciler-local-only@127.0.0.1:3306/reconciler_service',
    REDIS_URL: 'redis://127.0.0.1:6379',
    KAFKA_BROKERS: '127.0.0.1:9092',
    JWT_SECRET: 'local-only-jwt-secret-change-me',
  };
  t.ok(parseConfig(reconcilerConfigSchema, local), 'a laptop starts with them');
  const error = t.throws(() => parseConfig(reconcilerConfigSchema, { ...local, NODE_ENV: 'production' })) as ConfigError;
  t.type(error, ConfigError);
  for (const name of ['MYSQL_URL', 'JWT_SECRET']) t.match(error.message, new RegExp(`${name}: holds a local-only value`), name);
  t.notMatch(error.message, /change-me|webhook-secret|reconciler-local-only/);
  t.ok(
    parseConfig(reconcilerConfigSchema, {
      ...local,
      NODE_ENV: 'production',
      MYSQL_URL: 'mysql://reconciler_svc:Vq3x9LmT2pZr@db.internal:3306/reconciler_service',
      JWT_SECRET: 'Vq3x9LmT2pZr8sYw4nKd',
    }),
    'real secrets start',
  );
});

t.test('the reconciler service takes an optional JWT issuer and audience', async (t) => {
  const config = parseConfig(reconcilerConfigSchema, {
    MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/reconciler_service',
    REDIS_URL: 'redis://127.0.0.1:6379',
    KAFKA_BROKERS: '127.0.0.1:9092',
    JWT_SECRET: 'a-secret-of-enough-length',
    JWT_ISSUER: 'https://id.example',
    JWT_AUDIENCE: 'flash-sale',
  });
  t.match(config, { JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'flash-sale' });
  t.match(
    parseConfig(reconcilerConfigSchema, {
      MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/reconciler_service',
      REDIS_URL: 'redis://127.0.0.1:6379',
      KAFKA_BROKERS: '127.0.0.1:9092',
      JWT_SECRET: 'a-secret-of-enough-length',
    }),
    { JWT_ISSUER: undefined, JWT_AUDIENCE: undefined },
  );
});

t.test('each service database has its own URL; unset, it is MYSQL_URL’s server and user on that service’s schema', async (t) => {
  const derived = parseConfig(reconcilerConfigSchema, { ...base, ORDER_SCHEMA: 'o_db' });
  t.equal(derived.RECONCILER_ORDER_MYSQL_URL, 'mysql://u:p@127.0.0.1:3306/o_db');
  t.equal(derived.RECONCILER_PAYMENT_MYSQL_URL, 'mysql://u:p@127.0.0.1:3306/payment_service');
  t.equal(derived.RECONCILER_INVENTORY_MYSQL_URL, 'mysql://u:p@127.0.0.1:3306/inventory_service');
  const split = parseConfig(reconcilerConfigSchema, { ...base, RECONCILER_ORDER_MYSQL_URL: 'mysql://reconciler:x@order-db:3306/order_service' });
  t.equal(split.RECONCILER_ORDER_MYSQL_URL, 'mysql://reconciler:x@order-db:3306/order_service', 'a set URL wins');
  t.throws(
    () => parseConfig(reconcilerConfigSchema, { ...base, RECONCILER_PAYMENT_MYSQL_URL: 'http://payment-db/payment_service' }),
    /RECONCILER_PAYMENT_MYSQL_URL/,
  );
  const error = t.throws(() =>
    parseConfig(reconcilerConfigSchema, {
      ...base,
      JWT_SECRET: 'Vq3x9LmT2pZr8sYw4nKd',
      NODE_ENV: 'production',
      RECONCILER_INVENTORY_MYSQL_URL: 'mysql://reconciler:reconciler-local-only@inventory-db:3306/inventory_service',
    }),
  ) as ConfigError;
  t.match(error.message, /RECONCILER_INVENTORY_MYSQL_URL: holds a local-only value/, 'a local-only password is refused in production there too');
});
