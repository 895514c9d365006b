/** The recovery contract of every critical flow. */
import { inventoryStockContract } from './inventory-stock.contract.ts';
import { orderLifecycleContract } from './order-lifecycle.contract.ts';
import { paymentContract } from './payment.contract.ts';
import type { RecoveryContract } from './recovery-contract.ts';

export const contracts: readonly RecoveryContract[] = [inventoryStockContract, orderLifecycleContract, paymentContract];
export { inventoryStockContract, orderLifecycleContract, paymentContract };
export type { CrossDatabaseInvariant, Invariant, RecoveryContract, SingleDatabaseInvariant } from './recovery-contract.ts';
