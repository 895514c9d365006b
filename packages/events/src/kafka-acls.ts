/**
 * Kafka ACLs derived from the event catalog (topics.ts): who may write, read and commit what
 * (docs/adr/0013-kafka-principals.md). The brokers run StandardAuthorizer with
 * `allow.everyone.if.no.acl.found=false`, so a principal may do only what these bindings allow:
 * - a topic's producer writes it (its dead-letter and quarantine topics are the consumer's own);
 * - a declared consumer reads it and uses its own consumer group, `<group prefix><service>`;
 * - the reconciler repairs: it reads every domain topic (replay) and its dead-letter and
 *   quarantine topics, republishes what a producer already wrote (a stuck outbox row, a redriven
 *   event) on that producer's topic, reads through throwaway groups of its own prefixes, and
 *   looks at each consumer's group (lag) without joining it.
 * The stack's preparation applies them (`applyKafkaAcls`) and `npm run kafka:acl` prints them.
 */
import kafkajs, { type AclEntry } from 'kafkajs';
import { allTopics, domainTopics, type ServiceName } from './topics.ts';
import { adminClientOf, type TopicAdmin } from './transport/topic-admin.ts';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

export type KafkaAclOperation = 'READ' | 'WRITE' | 'DESCRIBE' | 'DELETE' | 'IDEMPOTENT_WRITE';

/** One ACL as the brokers hold it (Kafka's numeric resource, pattern, operation and permission codes). */
export interface KafkaAclEntry {
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

export interface KafkaAclBinding {
  /** `User:<name>`. */
  principal: string;
  resourceType: 'TOPIC' | 'GROUP' | 'CLUSTER';
  /** A topic or group name (or its prefix); `kafka-cluster` for the cluster. */
  resourceName: string;
  patternType: 'LITERAL' | 'PREFIXED';
  operation: KafkaAclOperation;
  /** Why the catalog grants it, for the operator who reviews the list. */
  reason: string;
}

/** Consumer groups that read without a position of their own to keep; deleted after each read. */
export const throwawayGroupPrefix = { replay: 'replay-reader-', redrive: 'redrive-reader-' } as const;

/** The service that repairs the pipeline (replay, stuck outbox rows, redrive). */
const REPAIRER: ServiceName = 'reconciler';

export interface KafkaAclScope {
  /** A service's Kafka user name (SASL), e.g. `order_svc`. */
  userOf: (service: ServiceName) => string;
  /** `KAFKA_TOPIC_PREFIX` of the services the grants are for; empty: the catalog's names. */
  topicPrefix?: string;
  /** `KAFKA_GROUP_ID_PREFIX` of the services the grants are for. */
  groupPrefix?: string;
}

export function kafkaAcls(scope: KafkaAclScope): KafkaAclBinding[] {
  const topicPrefix = scope.topicPrefix ?? '';
  const groupPrefix = scope.groupPrefix ?? '';
  const principal = (service: ServiceName) => `User:${scope.userOf(service)}`;
  const bindings: KafkaAclBinding[] = [];
  const grant = (
    service: ServiceName,
    resourceType: KafkaAclBinding['resourceType'],
    resourceName: string,
    operation: KafkaAclOperation,
    reason: string,
    patternType: KafkaAclBinding['patternType'] = 'LITERAL',
  ) => bindings.push({ principal: principal(service), resourceType, resourceName, patternType, operation, reason });

  const consumerServices = new Set<ServiceName>();
  const producers = new Set<ServiceName>();
  for (const topic of allTopics()) {
    const name = `${topicPrefix}${topic.name}`;
    grant(topic.producer, 'TOPIC', name, 'WRITE', `produces ${topic.name}`);
    producers.add(topic.producer);
    for (const consumer of topic.consumers) {
      grant(consumer, 'TOPIC', name, 'READ', consumer === REPAIRER ? `lists and redrives ${topic.name}` : `consumes ${topic.name}`);
      if (consumer !== REPAIRER) consumerServices.add(consumer);
    }
  }
  for (const service of [...producers].sort()) grant(service, 'CLUSTER', 'kafka-cluster', 'IDEMPOTENT_WRITE', 'its producers are idempotent');
  for (const service of [...consumerServices].sort()) grant(service, 'GROUP', `${groupPrefix}${service}`, 'READ', 'joins and commits its consumer group');

  for (const topic of domainTopics) {
    const name = `${topicPrefix}${topic.name}`;
    grant(REPAIRER, 'TOPIC', name, 'READ', `replays ${topic.name}`);
    if (topic.producer !== REPAIRER) grant(REPAIRER, 'TOPIC', name, 'WRITE', `republishes ${topic.producer}'s stuck outbox rows and redriven events`);
  }
  if (!producers.has(REPAIRER)) grant(REPAIRER, 'CLUSTER', 'kafka-cluster', 'IDEMPOTENT_WRITE', 'its producers are idempotent');
  for (const [use, prefix] of Object.entries(throwawayGroupPrefix)) {
    grant(REPAIRER, 'GROUP', prefix, 'READ', `reads through throwaway ${use} groups`, 'PREFIXED');
    grant(REPAIRER, 'GROUP', prefix, 'DELETE', `deletes its throwaway ${use} groups`, 'PREFIXED');
  }
  for (const service of [...consumerServices].sort())
    grant(REPAIRER, 'GROUP', `${groupPrefix}${service}`, 'DESCRIBE', `reads ${service}'s committed offsets (consumer lag)`);
  return bindings;
}

const resourceTypes = { TOPIC: AclResourceTypes.TOPIC, GROUP: AclResourceTypes.GROUP, CLUSTER: AclResourceTypes.CLUSTER } as const;
const patternTypes = { LITERAL: ResourcePatternTypes.LITERAL, PREFIXED: ResourcePatternTypes.PREFIXED } as const;
const operations = {
  READ: AclOperationTypes.READ,
  WRITE: AclOperationTypes.WRITE,
  DESCRIBE: AclOperationTypes.DESCRIBE,
  DELETE: AclOperationTypes.DELETE,
  IDEMPOTENT_WRITE: AclOperationTypes.IDEMPOTENT_WRITE,
} as const;

/** The binding as the admin creates, describes and deletes it. */
export const toAclEntry = (binding: KafkaAclBinding): KafkaAclEntry => aclEntryOf(binding);

function aclEntryOf(binding: KafkaAclBinding): AclEntry {
  return {
    resourceType: resourceTypes[binding.resourceType],
    resourceName: binding.resourceName,
    resourcePatternType: patternTypes[binding.patternType],
    principal: binding.principal,
    host: '*',
    operation: operations[binding.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/** One string per binding, equal for equal grants (compare what the brokers hold with what is derived). */
export const aclEntryKey = (
  entry: Pick<KafkaAclEntry, 'resourceType' | 'resourceName' | 'resourcePatternType' | 'principal' | 'host' | 'operation' | 'permissionType'>,
) => [entry.principal, entry.resourceType, entry.resourcePatternType, entry.resourceName, entry.operation, entry.permissionType, entry.host].join('|');

/**
 * Creates the bindings (the broker ignores one it holds already). With `prune`, every other ACL of
 * the same principals is deleted, so a grant the catalog no longer derives does not linger; the
 * preparation prunes, a test that adds grants for its own prefixed topics does not.
 * Returns how many were created and deleted.
 */
export async function applyKafkaAcls(
  topicAdmin: TopicAdmin,
  bindings: readonly KafkaAclBinding[],
  options: { prune?: boolean } = {},
): Promise<{ created: number; deleted: number }> {
  const admin = adminClientOf(topicAdmin);
  const wanted = bindings.map(aclEntryOf);
  const wantedKeys = new Set(wanted.map(aclEntryKey));
  const existing = await describeAclEntries(admin, [...new Set(bindings.map((binding) => binding.principal))]);
  const existingKeys = new Set(existing.map(aclEntryKey));
  const missing = wanted.filter((entry) => !existingKeys.has(aclEntryKey(entry)));
  if (missing.length > 0) await admin.createAcls({ acl: missing });
  const stale = options.prune ? existing.filter((entry) => !wantedKeys.has(aclEntryKey(entry))) : [];
  if (stale.length > 0) await admin.deleteAcls({ filters: stale });
  return { created: missing.length, deleted: stale.length };
}

/** Deletes exactly these bindings (a test's own grants). */
export async function removeKafkaAcls(admin: TopicAdmin, bindings: readonly KafkaAclBinding[]): Promise<void> {
  if (bindings.length > 0) await adminClientOf(admin).deleteAcls({ filters: bindings.map(aclEntryOf) });
}

/** Every ACL held for the principals, one entry per binding. */
export async function describePrincipalsAcls(admin: TopicAdmin, principals: readonly string[]): Promise<KafkaAclEntry[]> {
  return describeAclEntries(adminClientOf(admin), principals);
}

async function describeAclEntries(admin: ReturnType<typeof adminClientOf>, principals: readonly string[]): Promise<AclEntry[]> {
  const entries: AclEntry[] = [];
  for (const principal of principals) {
    const { resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      principal,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    for (const resource of resources) {
      for (const acl of resource.acls) {
        entries.push({ resourceType: resource.resourceType, resourceName: resource.resourceName, resourcePatternType: resource.resourcePatternType, ...acl });
      }
    }
  }
  return entries;
}

/** One line per binding, grouped by principal, for `npm run kafka:acl`. */
export function formatKafkaAcls(bindings: readonly KafkaAclBinding[]): string {
  const lines: string[] = [];
  for (const principal of [...new Set(bindings.map((binding) => binding.principal))]) {
    lines.push(principal);
    for (const binding of bindings.filter((candidate) => candidate.principal === principal)) {
      const resource = `${binding.resourceType.toLowerCase()} ${binding.patternType === 'PREFIXED' ? `${binding.resourceName}*` : binding.resourceName}`;
      lines.push(`  ALLOW ${binding.operation.padEnd(16)} ${resource.padEnd(48)} ${binding.reason}`);
    }
  }
  return lines.join('\n');
}
