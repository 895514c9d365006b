/**
 * A consumer's contract: for each event type it consumes, the payload fields it reads. Each
 * consumer declares it once, next to its handlers, and the declaration does three things:
 * - it types the handlers: a handler's payload is only its declared fields (`Pick` of the catalog
 *   type), so reading any other field is a compile error;
 * - `contractHandlers` hands each handler, at run time, a payload holding only those fields, so no
 *   cast can reach past the declaration either;
 * - `checkConsumerContract` (`check-contract.ts`) compares it with the registry and the topic
 *   declarations, so a producer's change that would break a declared read fails a test.
 */
import type { z } from 'zod';
import type { EventBatchHandler, EventHandler } from '../consumer/event-consumer.ts';
import type { Envelope } from '../envelope.ts';
import type { EventDefinition } from '../registry.ts';
import type { ServiceName } from '../topics.ts';

declare const viewType: unique symbol;

/** The fields a consumer reads from one event type; `V` is the payload as that consumer sees it. */
export interface FieldReads<V = Record<string, unknown>> {
  readonly event: EventDefinition;
  readonly fields: readonly string[];
  /** Type only: carries `V` for the handler types, never set. */
  readonly [viewType]?: V;
}

/**
 * The fields of `event` a consumer reads. The list is checked against the catalog's type, so a
 * field the event does not have does not compile.
 */
export function reads<S extends z.ZodObject, const F extends readonly (keyof z.output<S> & string)[]>(
  event: EventDefinition<S>,
  fields: F,
): FieldReads<Pick<z.output<S>, F[number]>> {
  if (new Set(fields).size !== fields.length) throw new Error(`reads of ${event.type} name a field twice`);
  return { event, fields };
}

export interface ConsumerContract<R extends Readonly<Record<string, FieldReads>> = Readonly<Record<string, FieldReads>>> {
  readonly consumer: ServiceName;
  /** By event type, e.g. `'order.created.v1'`: every type the consumer handles, and only those. */
  readonly reads: R;
  /**
   * `true` (the default): a consumer group listed on each topic it reads (`topics.ts`). `false`: a
   * reader of a bounded scope (a replay) that no topic lists; its field reads are checked all the same.
   */
  readonly subscribes: boolean;
}

export function defineConsumerContract<const R extends Readonly<Record<string, FieldReads>>>(
  consumer: ServiceName,
  declared: R,
  options: { subscribes?: boolean } = {},
): ConsumerContract<R> {
  for (const [type, read] of Object.entries(declared)) {
    // The key is what the runtime dispatches on; a read of another event under it would type the
    // handler with the wrong payload.
    if (read.event.type !== type) throw new Error(`consumer ${consumer} declares reads of ${read.event.type} under ${type}`);
  }
  return { consumer, reads: declared, subscribes: options.subscribes ?? true };
}

/** The payload one consumer sees of one event type. */
export type ViewOf<R> = R extends FieldReads<infer V> ? V : never;

/** One handler per declared type, each typed with only its declared fields. */
export type ContractHandlers<C extends ConsumerContract> = { [T in keyof C['reads']]: EventHandler<ViewOf<C['reads'][T]>> };

/** Batch handlers for some of the declared types, typed the same way. */
export type ContractBatchHandlers<C extends ConsumerContract> = { [T in keyof C['reads']]?: EventBatchHandler<ViewOf<C['reads'][T]>> };

/** `payload` narrowed to the declared fields (an optional field absent from it stays absent). */
export function projectPayload(read: FieldReads, payload: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const field of read.fields) if (Object.hasOwn(payload, field)) view[field] = payload[field];
  return view;
}

/** `event` with its payload narrowed to what `contract` declares for its type. */
export function projectEvent<P>(contract: ConsumerContract, event: Envelope<P>): Envelope<Record<string, unknown>> {
  const read = contract.reads[event.type];
  if (!read) throw new Error(`consumer ${contract.consumer} declares no reads of ${event.type}`);
  return { ...event, payload: projectPayload(read, event.payload as Record<string, unknown>) };
}

/**
 * One handler of a declared type, handed only its declared fields, for a consumer that keeps its
 * handlers in an object of its own (whatever context it passes them) rather than `contractHandlers`.
 */
export function contractHandler<C extends ConsumerContract, T extends keyof C['reads'] & string, X>(
  contract: C,
  type: T,
  handler: (event: Envelope<ViewOf<C['reads'][T]>>, ctx: X) => Promise<void>,
): (event: Envelope<ViewOf<C['reads'][T]>>, ctx: X) => Promise<void> {
  if (!contract.reads[type]) throw new Error(`consumer ${contract.consumer} declares no reads of ${type}`);
  return (event, ctx) => handler(projectEvent(contract, event) as Envelope<ViewOf<C['reads'][T]>>, ctx);
}

/**
 * The handlers for `createEventConsumer`, each handed only its declared fields. A handler for a
 * type the contract does not declare, or a declared type without a handler, does not compile.
 */
export function contractHandlers<C extends ConsumerContract>(contract: C, handlers: ContractHandlers<C>): Record<string, EventHandler> {
  const bound: Record<string, EventHandler> = {};
  for (const [type, handler] of Object.entries(handlers as Record<string, EventHandler>)) {
    if (!contract.reads[type]) throw new Error(`consumer ${contract.consumer} has a handler for ${type}, which its contract does not declare`);
    bound[type] = (event, ctx) => handler(projectEvent(contract, event), ctx);
  }
  return bound;
}

/** The batch handlers for `createEventConsumer`, each handed only its declared fields. */
export function contractBatchHandlers<C extends ConsumerContract>(contract: C, handlers: ContractBatchHandlers<C>): Record<string, EventBatchHandler> {
  const bound: Record<string, EventBatchHandler> = {};
  for (const [type, handler] of Object.entries(handlers as Record<string, EventBatchHandler | undefined>)) {
    if (!handler) continue;
    if (!contract.reads[type]) throw new Error(`consumer ${contract.consumer} has a batch handler for ${type}, which its contract does not declare`);
    bound[type] = (items, ctx) =>
      handler(
        items.map((item) => ({ ...item, event: projectEvent(contract, item.event) })),
        ctx,
      );
  }
  return bound;
}
