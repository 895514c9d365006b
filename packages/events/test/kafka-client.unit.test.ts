// The Kafka client every transport builds: what its producers inherit, and how kafkajs's own log
// lines reach pino. Construction only: nothing here connects to a broker.
import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger } from '@flash-sale/service-kit';
import { createKafkaTransport, kafkaClientOf } from '../src/transport/kafka-transport.ts';

const kafkaLogging = () => {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const transport = createKafkaTransport(
    { KAFKA_BROKERS: ['127.0.0.1:9'] },
    { clientId: 'kafka-client-test', logger: createLogger({ service: 'test', level: 'info' }, destination) },
  );
  const kafka = kafkaClientOf(transport);
  return { kafka, lines };
};
const eosWarnings = (lines: Array<Record<string, unknown>>) =>
  lines.filter((line) => String(line.msg).includes('Limiting retries for the idempotent producer'));

t.test('an idempotent producer is not capped by the client retry count, so kafkajs has no EoS warning to give at start', async (t) => {
  const { kafka, lines } = kafkaLogging();
  kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  t.same(eosWarnings(lines), []);
});

t.test(
  'an idempotent producer whose caller bounds its retries (the outbox relay, which retires it after a failed send) adds no EoS warning to the log',
  async (t) => {
    const { kafka, lines } = kafkaLogging();
    kafka.producer({ idempotent: false, retry: { retries: 2 } });
    kafka.producer({ idempotent: true, retry: { retries: 2 } });
    t.same(eosWarnings(lines), []);
  },
);

t.test('a kafkajs log line reaches pino as one line, with the namespace and without a second timestamp', async (t) => {
  const { kafka, lines } = kafkaLogging();
  kafka.logger().namespace('Producer').warn('a warning worth reading', { topic: 'x' });
  const [line, ...more] = lines;
  t.same(more, []);
  t.match(line, { level: 'warn', component: 'kafkajs', namespace: 'Producer', topic: 'x', msg: 'a warning worth reading' });
  t.notOk(line && ('timestamp' in line || 'logger' in line), 'pino stamps the time; kafkajs does not repeat it');
});

t.test("a broker's error answer kafkajs retries or throws to its caller is a debug line, not an error at every start", async (t) => {
  const { kafka, lines } = kafkaLogging();
  const connection = kafka.logger().namespace('Connection');
  connection.error('Response InitProducerId(key: 22, version: 1)', { error: "The coordinator is loading and hence can't process requests", correlationId: 5 });
  t.same(lines, [], 'below the info level the service logs at');
  connection.error('Connection error: read ECONNRESET', { error: 'read ECONNRESET' });
  kafka.logger().namespace('Consumer').error('Crash: KafkaJSNumberOfRetriesExceeded', { error: 'The coordinator is loading' });
  t.match(
    lines.map((line) => [line.level, line.msg]),
    [
      ['error', 'Connection error: read ECONNRESET'],
      ['error', 'Crash: KafkaJSNumberOfRetriesExceeded'],
    ],
    'other errors keep their level',
  );
});
