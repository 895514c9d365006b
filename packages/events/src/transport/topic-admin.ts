/**
 * The admin seam: what the platform asks the brokers about topics, offsets and consumer groups.
 * Only the calls the services, scripts and tests make; ACLs go through `kafka-acls.ts`.
 */
import kafkajs, { type Admin } from 'kafkajs';
import { refusable } from './errors.ts';

export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  /** -1: the broker's default (1 on the single stack, 3 on the cluster topology). */
  replicationFactor?: number;
  configEntries?: Array<{ name: string; value: string }>;
}

export interface PartitionMetadata {
  partitionId: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/** Per partition: its first (`low`) and next (`high`, the end) offset; `offset` is `high`. */
export interface PartitionOffsets {
  partition: number;
  offset: string;
  high: string;
  low: string;
}

export interface PartitionOffset {
  partition: number;
  offset: string;
}

export interface GroupOffsets {
  topic: string;
  /** `offset` is `-1` on a partition the group never committed on. */
  partitions: Array<{ partition: number; offset: string; metadata: string | null }>;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  members: Array<{ memberId: string; clientId: string; clientHost: string }>;
}

export interface ClusterDescription {
  brokers: Array<{ nodeId: number; host: string; port: number }>;
  controller: number | null;
  clusterId: string;
}

/** A topic's or broker's settings, by name (only those asked for). */
export interface ConfigResource {
  type: 'topic' | 'broker';
  /** The topic's name, or the broker's node id. */
  name: string;
  configs: Record<string, string>;
}

export interface TopicAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  describeCluster(): Promise<ClusterDescription>;
  listTopics(): Promise<string[]>;
  /** Resolves `false` when a topic existed already. */
  createTopics(options: { topics: TopicSpec[]; waitForLeaders?: boolean; timeout?: number }): Promise<boolean>;
  deleteTopics(options: { topics: string[]; timeout?: number }): Promise<void>;
  fetchTopicMetadata(options: { topics: string[] }): Promise<{ topics: Array<{ name: string; partitions: PartitionMetadata[] }> }>;
  /** Start and end offsets of every partition. */
  fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** Per partition, the first offset stamped at or after `timestamp` (ms), or the end offset. */
  fetchTopicOffsetsByTimestamp(topic: string, timestamp: number): Promise<PartitionOffset[]>;
  /** A consumer group's committed offsets. */
  fetchOffsets(options: { groupId: string; topics: string[] }): Promise<GroupOffsets[]>;
  /** Commits offsets for a consumer group with no member running (as if it had read that far). */
  setOffsets(options: { groupId: string; topic: string; partitions: PartitionOffset[] }): Promise<void>;
  describeGroups(groupIds: string[]): Promise<{ groups: GroupDescription[] }>;
  deleteGroups(groupIds: string[]): Promise<Array<{ groupId: string; errorCode?: number }>>;
  describeConfigs(resources: Array<{ type: ConfigResource['type']; name: string; configNames: string[] }>): Promise<ConfigResource[]>;
}

const { TOPIC, BROKER } = kafkajs.ConfigResourceTypes;
const clients = new WeakMap<TopicAdmin, Admin>();

/** The client's admin under a `TopicAdmin`: for the modules of this package that speak Kafka's own ACL calls. */
export function adminClientOf(admin: TopicAdmin): Admin {
  const client = clients.get(admin);
  if (!client) throw new Error('not a TopicAdmin of createKafkaTransport');
  return client;
}

export function topicAdmin(client: Admin): TopicAdmin {
  const admin: TopicAdmin = {
    connect: () => refusable(() => client.connect()),
    disconnect: () => client.disconnect(),
    describeCluster: () => refusable(() => client.describeCluster()),
    listTopics: () => refusable(() => client.listTopics()),
    createTopics: (options) => refusable(() => client.createTopics(options)),
    deleteTopics: (options) => refusable(() => client.deleteTopics(options)),
    fetchTopicMetadata: (options) => refusable(() => client.fetchTopicMetadata(options)),
    fetchTopicOffsets: (topic) => refusable(() => client.fetchTopicOffsets(topic)),
    fetchTopicOffsetsByTimestamp: (topic, timestamp) => refusable(() => client.fetchTopicOffsetsByTimestamp(topic, timestamp)),
    fetchOffsets: (options) => refusable(() => client.fetchOffsets(options)),
    setOffsets: (options) => refusable(() => client.setOffsets(options)),
    describeGroups: (groupIds) => refusable(() => client.describeGroups(groupIds)),
    deleteGroups: (groupIds) => refusable(() => client.deleteGroups(groupIds)),
    describeConfigs: (resources) =>
      refusable(async () => {
        const described = await client.describeConfigs({
          includeSynonyms: false,
          resources: resources.map(({ type, name, configNames }) => ({ type: type === 'topic' ? TOPIC : BROKER, name, configNames })),
        });
        return described.resources.map((resource) => ({
          type: resource.resourceType === TOPIC ? ('topic' as const) : ('broker' as const),
          name: resource.resourceName,
          configs: Object.fromEntries(resource.configEntries.map((entry) => [entry.configName, entry.configValue])),
        }));
      }),
  };
  clients.set(admin, client);
  return admin;
}
