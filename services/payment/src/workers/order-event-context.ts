import type { Logger } from '@flash-sale/service-kit';
import type { PoolConnection } from 'mysql2/promise';

/** What the platform's consumer runtime hands every handler. */
export interface OrderEventContext {
  tx: PoolConnection;
  logger: Logger;
}
