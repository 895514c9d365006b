import { ConfigError, parseConfig } from '@flash-sale/config';
import t from 'tap';
import { inventoryConfigSchema } from '../src/config.ts';

t.test('with NODE_ENV=production the inventory service refuses the committed local-only secrets, naming each variable and never its value', async (t) => {
  const local = {
    MYSQL_URL: 'mysql://inventory_svc:inventory-local-only@127.0.0.1:3306/inventory_service',
    REDIS_URL: 'redis://127.0.0.1:6379',
    KAFKA_BROKERS: '127.0.0.1:9092',
    JWT_SECRET: 'local-only-jwt-secret-change-me',
  };
  t.ok(parseConfig(inventoryConfigSchema, local), 'a laptop starts with them');
  const error = t.throws(() => parseConfig(inventoryConfigSchema, { ...local, NODE_ENV: 'production' })) as ConfigError;
  t.type(error, ConfigError);
  for (const name of ['MYSQL_URL', 'JWT_SECRET']) t.match(error.message, new RegExp(`${name}: holds a local-only value`), name);
  t.notMatch(error.message, /change-me|webhook-secret|inventory-local-only/);
  t.ok(
    parseConfig(inventoryConfigSchema, {
      ...local,
      NODE_ENV: 'production',
      MYSQL_URL: 'mysql://inventory_svc:Vq3x9LmT2pZr@db.internal:3306/inventory_service',
      JWT_SECRET: 'Vq3x9LmT2pZr8sYw4nKd',
    }),
    'real secrets start',
  );
});

t.test('the inventory service takes an optional JWT issuer and audience', async (t) => {
  const config = parseConfig(inventoryConfigSchema, {
    MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/inventory_service',
    REDIS_URL: 'redis://127.0.0.1:6379',
    KAFKA_BROKERS: '127.0.0.1:9092',
    JWT_SECRET: 'a-secret-of-enough-length',
    JWT_ISSUER: 'https://id.example',
    JWT_AUDIENCE: 'flash-sale',
  });
  t.match(config, { JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'flash-sale' });
  t.match(
    parseConfig(inventoryConfigSchema, {
      MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/inventory_service',
      REDIS_URL: 'redis://127.0.0.1:6379',
      KAFKA_BROKERS: '127.0.0.1:9092',
      JWT_SECRET: 'a-secret-of-enough-length',
    }),
    { JWT_ISSUER: undefined, JWT_AUDIENCE: undefined },
  );
});
