import { ConfigError, parseConfig } from '@flash-sale/config';
import t from 'tap';
import { paymentConfigSchema } from '../src/config.ts';

t.test('with NODE_ENV=production the payment service refuses the committed local-only secrets, naming each variable and never its value', async (t) => {
  const local = {
    MYSQL_URL: 'mysql://payment_svc:payment-local-only@127.0.0.1:3306/payment_service',
    REDIS_URL: 'redis://127.0.0.1:6379',
    KAFKA_BROKERS: '127.0.0.1:9092',
    JWT_SECRET: 'local-only-jwt-secret-change-me',
    PAYMENT_PROVIDER_URL: 'http://127.0.0.1:3005',
    PAYMENT_WEBHOOK_SECRETS: 'local-only-webhook-secret-1,local-only-webhook-secret-0',
  };
  t.ok(parseConfig(paymentConfigSchema, local), 'a laptop starts with them');
  const error = t.throws(() => parseConfig(paymentConfigSchema, { ...local, NODE_ENV: 'production' })) as ConfigError;
  t.type(error, ConfigError);
  for (const name of ['MYSQL_URL', 'JWT_SECRET', 'PAYMENT_WEBHOOK_SECRETS']) t.match(error.message, new RegExp(`${name}: holds a local-only value`), name);
  t.notMatch(error.message, /change-me|webhook-secret|payment-local-only/);
  t.ok(
    parseConfig(paymentConfigSchema, {
      ...local,
      NODE_ENV: 'production',
      MYSQL_URL: 'mysql://payment_svc:Vq3x9LmT2pZr@db.internal:3306/payment_service',
      JWT_SECRET: 'Vq3x9LmT2pZr8sYw4nKd',
      PAYMENT_WEBHOOK_SECRETS: 'Hq7cN2wX9bLm4tRz,Kp8dF3vY6sQe1uJa',
    }),
    'real secrets start',
  );
});

t.test('the payment service takes an optional JWT issuer and audience', async (t) => {
  const config = parseConfig(paymentConfigSchema, {
    MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/payment_service',
    REDIS_URL: 'redis://127.0.0.1:6379',
    KAFKA_BROKERS: '127.0.0.1:9092',
    JWT_SECRET: 'a-secret-of-enough-length',
    PAYMENT_PROVIDER_URL: 'http://127.0.0.1:3005',
    PAYMENT_WEBHOOK_SECRETS: 'a-webhook-secret-of-enough-length',
    JWT_ISSUER: 'https://id.example',
    JWT_AUDIENCE: 'flash-sale',
  });
  t.match(config, { JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'flash-sale' });
  t.match(
    parseConfig(paymentConfigSchema, {
      MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/payment_service',
      REDIS_URL: 'redis://127.0.0.1:6379',
      KAFKA_BROKERS: '127.0.0.1:9092',
      JWT_SECRET: 'a-secret-of-enough-length',
      PAYMENT_PROVIDER_URL: 'http://127.0.0.1:3005',
      PAYMENT_WEBHOOK_SECRETS: 'a-webhook-secret-of-enough-length',
    }),
    { JWT_ISSUER: undefined, JWT_AUDIENCE: undefined },
  );
});
