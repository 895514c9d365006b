export * from './transport/index.ts';
export * from './topics.ts';
export * from './envelope.ts';
export * from './registry.ts';
export { MissingFieldKeyError, parseWirePayload, sealedValueSchema, type FieldAccess, type SealedValue } from './crypto/field-encryption.ts';
export * from './catalog.ts';
export { prepareEvent, writeOutbox, writeOutboxSql, type PendingEvent, type SqlExecutor } from './outbox-writer.ts';
export { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox/relay.ts';
export { outboxLag, type OutboxLag } from './outbox/lag.ts';
export { outboxMessage, type OutboxRecord } from './outbox/outbox-message.ts';
export {
  createEventConsumer,
  type EventConsumer,
  type EventConsumerOptions,
  type BatchHandlerContext,
  type EventBatchHandler,
  type EventHandler,
  type HandlerContext,
  type ConsumerSettings,
} from './consumer/event-consumer.ts';
export { RetryableError, TerminalError, errorContract, type ErrorContract } from './consumer/errors.ts';
export { TenantMismatchError, assertTenant, type AggregateRef } from './consumer/errors.ts';
export {
  reads,
  defineConsumerContract,
  contractHandler,
  contractHandlers,
  contractBatchHandlers,
  projectEvent,
  projectPayload,
  type ConsumerContract,
  type ContractBatchHandlers,
  type ContractHandlers,
  type FieldReads,
  type ViewOf,
} from './contracts/consumer-contract.ts';
export { checkConsumerContract, type ContractViolation, type ContractViolationRule } from './contracts/check-contract.ts';
export { followUpContext } from './consumer/follow-up.ts';
export { parseDeadLetterEntry, DLQ_HEADER, type DeadLetterEntry, type DeadLetterKind } from './consumer/dead-letter.ts';
export { readDeadLetters, redrive, selectRecords, REDRIVE_HEADER, type DeadLetterRecord } from './redrive.ts';
export { RedisIdempotencyKeyStore, type IdempotencyKeyStore } from './idempotency-store.ts';
export {
  purgeExpiredRows,
  purgeConsumerDedupe,
  CONSUMER_DEDUPE_RETENTION_MS,
  RETENTION_PURGE_INTERVAL_MS,
  type PurgeOptions,
  type ExpiredRows,
} from './retention.ts';
export { HEADER } from './kafka-headers.ts';
export { parseTraceparent, formatTraceparent, activeTraceparent, type TraceParent } from './trace-context.ts';
export { backoffDelay, type BackoffPolicy } from './backoff.ts';

/** The platform's own tables (outbox, consumer dedupe), applied before every service's migrations. */
export const platformMigrationsDir = new URL('../migrations', import.meta.url).pathname;
export {
  kafkaAcls,
  applyKafkaAcls,
  toAclEntry,
  aclEntryKey,
  removeKafkaAcls,
  describePrincipalsAcls,
  formatKafkaAcls,
  throwawayGroupPrefix,
  type KafkaAclBinding,
  type KafkaAclEntry,
  type KafkaAclOperation,
  type KafkaAclScope,
} from './kafka-acls.ts';
export { startServiceEvents, type ServiceEvents, type ServiceEventsOptions } from './service-events.ts';
