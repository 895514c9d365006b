/**
 * The provider's behaviour: settling payments and refunds and announcing each as a webhook,
 * with the configured faults applied.
 */
import { mergeFaults, noFaults, type FaultSettings } from '../domain/faults.ts';
import type { PaymentStore, SimPayment, SimRefund } from '../infra/payment-store.ts';
import type { WebhookEvent, WebhookSender } from '../infra/webhook-sender.ts';

export class SimulatedProvider {
  readonly store: PaymentStore;
  readonly sender: WebhookSender;
  readonly #now: () => Date;
  readonly #autoTimers = new Set<NodeJS.Timeout>();
  globalFaults: FaultSettings = noFaults();

  constructor(deps: { store: PaymentStore; sender: WebhookSender; now: () => Date }) {
    this.store = deps.store;
    this.sender = deps.sender;
    this.#now = deps.now;
  }

  #seconds(): number {
    return Math.floor(this.#now().getTime() / 1000);
  }

  #event(type: string, payment: SimPayment, data: Record<string, unknown>, created = this.#seconds()): WebhookEvent {
    const base = { payment_id: payment.id, reference: payment.reference, amount_minor: payment.amount_minor, currency: payment.currency };
    return { id: this.store.newEventId(), type, created, data: { ...base, ...data } };
  }

  /** The shopper pays: success, or a decline when the `fail` fault is on. */
  complete(payment: SimPayment, extraFaults?: FaultSettings): SimPayment | undefined {
    if (extraFaults) payment.faults = { faults: [...(payment.faults?.faults ?? []), ...extraFaults.faults], delay_ms: extraFaults.delay_ms };
    const fault = mergeFaults(this.globalFaults, payment.faults);
    if (fault.faults.has('fail')) return this.decline(payment, 'card_declined');
    const settled = this.store.settle(payment.id, { succeeded: true });
    if (!settled) return undefined;
    const succeeded = this.#event('payment.succeeded', settled, { transaction_id: settled.transaction_id });
    const delivered = this.sender.send(succeeded, fault);
    if (fault.faults.has('reorder')) {
      // An earlier declined attempt, reported only after the success: older, but arriving later.
      const stale = this.#event('payment.failed', settled, { failure_reason: 'card_declined' }, succeeded.created - 1);
      const rest = new Set(fault.faults);
      rest.delete('reorder');
      rest.delete('delay');
      void delivered.then(() => this.sender.send(stale, { faults: rest, delayMs: 0 }));
    }
    return settled;
  }

  decline(payment: SimPayment, reason: string): SimPayment | undefined {
    const settled = this.store.settle(payment.id, { succeeded: false, reason });
    if (!settled) return undefined;
    void this.sender.send(this.#event('payment.failed', settled, { failure_reason: reason }), mergeFaults(this.globalFaults, settled.faults));
    return settled;
  }

  refund(payment: SimPayment, input: { amount_minor: number; reference: string | null; reason: string }, idempotencyKey: string | undefined) {
    const result = this.store.refund(payment, input, idempotencyKey, this.#seconds());
    if (result.created) this.#announceRefund(payment, result.refund);
    return result;
  }

  #announceRefund(payment: SimPayment, refund: SimRefund): void {
    const event = this.#event('refund.succeeded', payment, {
      amount_minor: refund.amount_minor,
      refund_id: refund.id,
      ...(refund.reference ? { refund_reference: refund.reference } : {}),
    });
    void this.sender.send(event, mergeFaults(this.globalFaults, payment.faults));
  }

  autoComplete(payment: SimPayment, afterMs: number): void {
    const timer = setTimeout(() => {
      this.#autoTimers.delete(timer);
      this.complete(payment);
    }, afterMs);
    this.#autoTimers.add(timer);
  }

  stop(): void {
    for (const timer of this.#autoTimers) clearTimeout(timer);
    this.#autoTimers.clear();
    this.sender.stop();
  }
}
