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
