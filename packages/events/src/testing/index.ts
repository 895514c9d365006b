export { consumerOnTestTopics, type ConsumerOnTestTopics, type ConsumerUnderTest, type KafkaForTests } from './consumer-on-test-topics.ts';
export { createTestKafka, type TestKafka } from './test-kafka.ts';
