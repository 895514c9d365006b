import { ConfigError, parseConfig } from '@flash-sale/config';
import t from 'tap';
import { orderConfigSchema } from '../src/config.ts';

const env = {
  MYSQL_URL: 'mysql://order_svc:pw@127.0.0.1:3306/order_service',
  REDIS_URL: 'redis://127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092',
  JWT_SECRET: 'a-secret-long-enough-for-hs256',
};

t.test('the order service starts from the documented variables and defaults', async (t) => {
  const config = parseConfig(orderConfigSchema, env);
  t.equal(config.PORT, 3001);
  t.equal(config.ORDER_BATCH_MAX, 64);
  t.same(config.KAFKA_BROKERS, ['127.0.0.1:9092']);
});

t.test('it refuses to start without a JWT secret, or with a weak one', async (t) => {
  const { JWT_SECRET: _secret, ...withoutSecret } = env;
  t.throws(() => parseConfig(orderConfigSchema, withoutSecret), ConfigError);
  t.throws(() => parseConfig(orderConfigSchema, { ...env, JWT_SECRET: 'short' }), /JWT_SECRET/);
});

t.test('bad numbers are named', async (t) => {
  t.throws(() => parseConfig(orderConfigSchema, { ...env, ORDER_BATCH_MAX: '0', PORT: 'x' }), /ORDER_BATCH_MAX[\s\S]*PORT|PORT[\s\S]*ORDER_BATCH_MAX/);
});

t.test('with NODE_ENV=production the order service refuses the committed local-only secrets, naming each variable and never its value', async (t) => {
  const local = {
    MYSQL_URL: 'mysql://order_svc:order-local-only@127.0.0.1:3306/order_service',
    REDIS_URL: 'redis://127.0.0.1:6379',
    KAFKA_BROKERS: '127.0.0.1:9092',
    JWT_SECRET: 'local-only-jwt-secret-change-me',
  };
  t.ok(parseConfig(orderConfigSchema, local), 'a laptop starts with them');
  const error = t.throws(() => parseConfig(orderConfigSchema, { ...local, NODE_ENV: 'production' })) as ConfigError;
  t.type(error, ConfigError);
  for (const name of ['MYSQL_URL', 'JWT_SECRET']) t.match(error.message, new RegExp(`${name}: holds a local-only value`), name);
  t.notMatch(error.message, /change-me|webhook-secret|order-local-only/);
  t.ok(
    parseConfig(orderConfigSchema, {
      ...local,
      NODE_ENV: 'production',
      MYSQL_URL: 'mysql://order_svc:Vq3x9LmT2pZr@db.internal:3306/order_service',
      JWT_SECRET: 'Vq3x9LmT2pZr8sYw4nKd',
    }),
    'real secrets start',
  );
});

t.test('the order service takes an optional JWT issuer and audience', async (t) => {
  const config = parseConfig(orderConfigSchema, {
    MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/order_service',
    REDIS_URL: 'redis://127.0.0.1:6379',
    KAFKA_BROKERS: '127.0.0.1:9092',
    JWT_SECRET: 'a-secret-of-enough-length',
    JWT_ISSUER: 'https://id.example',
    JWT_AUDIENCE: 'flash-sale',
  });
  t.match(config, { JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'flash-sale' });
  t.match(
    parseConfig(orderConfigSchema, {
      MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/order_service',
      REDIS_URL: 'redis://127.0.0.1:6379',
      KAFKA_BROKERS: '127.0.0.1:9092',
      JWT_SECRET: 'a-secret-of-enough-length',
    }),
    { JWT_ISSUER: undefined, JWT_AUDIENCE: undefined },
  );
});
