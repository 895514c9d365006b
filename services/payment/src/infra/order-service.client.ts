/**
 * The order service, asked synchronously about an order the payment service's Kafka-fed view has
 * not seen yet (`GET /v1/internal/orders/:id`, as this service, for the shopper's tenant). This
 * service reads only the fields it needs from the answer: its own view of the payload.
 */
import type { ServiceClient } from '@flash-sale/service-kit';
import { z } from 'zod';

const answerSchema = z.object({
  id: z.string(),
  tenant_id: z.string(),
  user_id: z.string(),
  status: z.string(),
  total_minor: z.number().int().nonnegative(),
  currency: z.string().length(3),
  expires_at: z.iso.datetime({ offset: true }),
  trace_id: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .nullish(),
});

export interface KnownOrder {
  orderId: string;
  tenantId: string;
  userId: string;
  /** The order service's status; this service acts on PENDING, CANCELLED and EXPIRED. */
  status: string;
  totalMinor: number;
  currency: string;
  expiresAt: Date;
  /** The trace the order started (its `order.created`), when the order service still has it. */
  traceId: string | null;
}

export type OrderLookup =
  | { kind: 'found'; order: KnownOrder }
  /** The order service says there is no such order in this tenant. */
  | { kind: 'absent' }
  /** No usable answer (down, timeout, an error status, a malformed body): nothing is known. */
  | { kind: 'unreachable'; reason: string };

export interface OrderDirectory {
  lookup(orderId: string, tenantId: string): Promise<OrderLookup>;
}

export function createOrderServiceDirectory(client: ServiceClient): OrderDirectory {
  return {
    async lookup(orderId, tenantId) {
      let response;
      try {
        response = await client.get(`/v1/internal/orders/${encodeURIComponent(orderId)}`, tenantId);
      } catch (error) {
        return { kind: 'unreachable', reason: error instanceof Error ? error.message : String(error) };
      }
      if (response.status === 404) return { kind: 'absent' };
      if (response.status !== 200) return { kind: 'unreachable', reason: `order service answered ${response.status}` };
      const parsed = answerSchema.safeParse(response.body);
      if (!parsed.success || parsed.data.id !== orderId || parsed.data.tenant_id !== tenantId) {
        return { kind: 'unreachable', reason: 'order service answered with an unexpected body' };
      }
      const order = parsed.data;
      return {
        kind: 'found',
        order: {
          orderId: order.id,
          tenantId: order.tenant_id,
          userId: order.user_id,
          status: order.status,
          totalMinor: order.total_minor,
          currency: order.currency,
          expiresAt: new Date(order.expires_at),
          traceId: order.trace_id ?? null,
        },
      };
    },
  };
}
