export {
  createKafkaTransport,
  kafkaAuth,
  type KafkaTarget,
  type KafkaTransport,
  type KafkaTransportOptions,
  type ScramCredentials,
  type TransportLogEntry,
  type TransportLogLevel,
} from './kafka-transport.ts';
export type { EventPublisher, PublisherOptions } from './event-publisher.ts';
export type {
  TopicAdmin,
  TopicSpec,
  PartitionMetadata,
  PartitionOffsets,
  PartitionOffset,
  GroupOffsets,
  GroupDescription,
  ClusterDescription,
  ConfigResource,
} from './topic-admin.ts';
export type { TopicReader, ReaderOptions, ReaderRun, ReceivedBatch } from './topic-reader.ts';
export type { MessageHeaders, OutgoingMessage, PublishAnswer, PublishRecord, ReceivedMessage } from './messages.ts';
export { KafkaAccessDeniedError, type KafkaRefusal } from './errors.ts';
export { connectServiceKafka, kafkaReadiness, type ServiceTransport } from './service-kafka.ts';
export { partitionOf } from './partition-of.ts';
