/**
 * Misbehaviours a real provider shows, injectable per payment or for every payment:
 * - duplicate: every webhook of the payment is delivered three times (same event id);
 * - delay: the first delivery waits `delay_ms`;
 * - reorder: a stale `payment.failed` of an earlier declined attempt arrives after the success;
 * - drop: the webhook is never sent (only polling the provider reveals the outcome);
 * - bad_signature: the first delivery is signed with a wrong secret (retries are signed right);
 * - fail: the payment is declined when the shopper completes it.
 */
import { z } from 'zod';

export const faultNames = ['duplicate', 'delay', 'reorder', 'drop', 'bad_signature', 'fail'] as const;
export type Fault = (typeof faultNames)[number];

export const faultSettingsSchema = z.object({
  faults: z.array(z.enum(faultNames)).max(faultNames.length).default([]),
  delay_ms: z.number().int().min(0).max(600000).default(1000),
});

export type FaultSettings = z.output<typeof faultSettingsSchema>;

export const noFaults = (): FaultSettings => ({ faults: [], delay_ms: 1000 });

/** A payment's own faults on top of the global ones; the payment's delay wins when it set one. */
export function mergeFaults(global: FaultSettings, own: FaultSettings | undefined): { faults: Set<Fault>; delayMs: number } {
  return { faults: new Set([...global.faults, ...(own?.faults ?? [])]), delayMs: own?.faults.includes('delay') ? own.delay_ms : global.delay_ms };
}
