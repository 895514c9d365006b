/** The simulator, for tests and scripts that start it in-process. */
export { buildSimulatorApp, type SimulatorAppDeps } from './app.ts';
export { signWebhook } from './domain/webhook-signature.ts';
export { backoffMs, type Delivery, type RetryPolicy } from './infra/webhook-sender.ts';
export { faultNames, type Fault } from './domain/faults.ts';
