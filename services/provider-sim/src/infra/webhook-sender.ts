/**
 * Delivers signed webhooks the way real providers do: POST, and on anything but a 2xx (or no
 * answer) try again after an exponentially growing pause, until a 2xx or the attempt limit.
 * Faults (see domain/faults.ts) change what is sent and when. Every attempt is kept for inspection.
 */
import type { Logger } from 'pino';
import type { Fault } from '../domain/faults.ts';
import { signWebhook } from '../domain/webhook-signature.ts';

export interface WebhookEvent {
  id: string;
  type: string;
  created: number;
  data: Record<string, unknown> & { payment_id: string };
}

export interface DeliveryAttempt {
  at: string;
  signature: 'valid' | 'bad';
  status: number | null;
  error: string | null;
}

export interface Delivery {
  delivery_id: string;
  event_id: string;
  event_type: string;
  payment_id: string;
  copy: number;
  state: 'scheduled' | 'delivered' | 'dropped' | 'gave_up';
  attempts: DeliveryAttempt[];
}

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

/** The pause after failed attempt `n` (1-based): base·2^(n-1), capped. */
export const backoffMs = (policy: RetryPolicy, failedAttempt: number): number => Math.min(policy.maxMs, policy.baseMs * 2 ** (failedAttempt - 1));

export interface WebhookSenderDeps {
  url: string;
  secret: string;
  retry: RetryPolicy;
  logger: Logger;
  now: () => Date;
}

export class WebhookSender {
  #deps: WebhookSenderDeps;
  readonly #deliveries: Delivery[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;
  #sequence = 0;

  constructor(deps: WebhookSenderDeps) {
    this.#deps = deps;
  }

  /** Queues an event; resolves once one copy got a 2xx (never, if dropped or given up). */
  send(event: WebhookEvent, fault: { faults: ReadonlySet<Fault>; delayMs: number }): Promise<void> {
    const body = JSON.stringify(event);
    const copies = fault.faults.has('duplicate') ? 3 : 1;
    return new Promise<void>((resolve) => {
      for (let copy = 1; copy <= copies; copy += 1) {
        const delivery: Delivery = {
          delivery_id: `dlv_${++this.#sequence}`,
          event_id: event.id,
          event_type: event.type,
          payment_id: event.data.payment_id,
          copy,
          state: 'scheduled',
          attempts: [],
        };
        this.#deliveries.push(delivery);
        if (fault.faults.has('drop')) {
          delivery.state = 'dropped';
          this.#deps.logger.info({ event_id: event.id }, 'webhook dropped (fault)');
          continue;
        }
        const firstDelay = fault.faults.has('delay') ? fault.delayMs : 0;
        this.#schedule(firstDelay, () => this.#attempt(delivery, body, fault.faults.has('bad_signature'), resolve));
      }
    });
  }

  /** Points deliveries (including pending retries) at a new URL, as a provider dashboard edit does. */
  retarget(url: string): void {
    this.#deps = { ...this.#deps, url };
  }

  deliveries(filter: { paymentId?: string } = {}): Delivery[] {
    return this.#deliveries.filter((delivery) => !filter.paymentId || delivery.payment_id === filter.paymentId);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #schedule(ms: number, run: () => Promise<void>): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void run();
    }, ms);
    this.#timers.add(timer);
  }

  async #attempt(delivery: Delivery, body: string, badFirstSignature: boolean, delivered: () => void): Promise<void> {
    if (this.#stopped) return;
    const { url, secret, retry, logger, now } = this.#deps;
    const badSignature = badFirstSignature && delivery.attempts.length === 0;
    const timestamp = Math.floor(now().getTime() / 1000);
    const signature = signWebhook(badSignature ? `${secret}-not-the-shared-secret` : secret, body, timestamp);
    const attempt: DeliveryAttempt = { at: now().toISOString(), signature: badSignature ? 'bad' : 'valid', status: null, error: null };
    delivery.attempts.push(attempt);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'provider-signature': signature },
        body,
        signal: AbortSignal.timeout(10000),
      });
      attempt.status = response.status;
      await response.arrayBuffer();
      if (response.ok) {
        delivery.state = 'delivered';
        delivered();
        return;
      }
    } catch (error) {
      attempt.error = (error as Error).message;
    }
    if (delivery.attempts.length >= retry.maxAttempts) {
      delivery.state = 'gave_up';
      logger.warn({ event_id: delivery.event_id, attempts: delivery.attempts.length }, 'webhook given up');
      return;
    }
    const pause = backoffMs(retry, delivery.attempts.length);
    logger.info({ event_id: delivery.event_id, status: attempt.status, error: attempt.error, retry_in_ms: pause }, 'webhook not accepted; retrying');
    this.#schedule(pause, () => this.#attempt(delivery, body, badFirstSignature, delivered));
  }
}
