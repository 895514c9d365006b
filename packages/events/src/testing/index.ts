export { consumerOnTestTopics, type ConsumerOnTestTopics, type ConsumerUnderTest, type KafkaForTests } from './consumer-on-test-topics.ts';
export { connectTestKafkaAdmin, createTestKafka, type TestKafka } from './test-kafka.ts';
