import { platformMigrationsDir } from '@flash-sale/events';
import { createLogger, createMetricsRegistry } from '@flash-sale/service-kit';
import { StockReservations } from '@flash-sale/stock-reservations';
import { connectTestKafkaAdmin } from '@flash-sale/events/testing';
import { serviceProbeSuite } from '@flash-sale/testkit';
import t from 'tap';
import { buildApp } from '../src/app.ts';

serviceProbeSuite(t, {
  connectKafkaAdmin: connectTestKafkaAdmin,
  service: 'inventory',
  migrationsDirs: [platformMigrationsDir, new URL('../migrations', import.meta.url).pathname],
  build: ({ mysql, redis, kafkaAdmin }) =>
    buildApp({
      logger: createLogger({ service: 'inventory', level: 'silent' }),
      metrics: createMetricsRegistry('inventory'),
      mysql,
      redis,
      kafkaAdmin,
      reservations: new StockReservations(redis),
      jwtSecret: 'health-test-secret-0123456789',
      now: () => new Date(),
    }),
});
