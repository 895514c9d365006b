// The Kafka client every process builds: what its producers inherit, and how kafkajs's own log
// lines reach pino. Construction only: nothing here connects to a broker.
import { Writable } from 'node:stream';
import t from 'tap';
import { createKafka } from '../src/clients.ts';
import { createLogger } from '../src/logger.ts';

const kafkaLogging = () => {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const kafka = createKafka(['127.0.0.1:9'], 'kafka-client-test', createLogger({ service: 'test', level: 'info' }, destination));
  return { kafka, lines };
};
const eosWarnings = (lines: Array<Record<string, unknown>>) => lines.filter((line) => String(line.msg).includes('Limiting retries for the idempotent producer'));

t.test('an idempotent producer is not capped by the client retry count, so kafkajs has no EoS warning to give at start', async (t) => {
  const { kafka, lines } = kafkaLogging();
  kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  t.same(eosWarnings(lines), []);
});

t.test('a producer whose caller states a retry count keeps it, and kafkajs still says what that costs an idempotent one, as one pino line', async (t) => {
  const { kafka, lines } = kafkaLogging();
  kafka.producer({ idempotent: false, retry: { retries: 2 } });
  t.same(eosWarnings(lines), [], 'a plain producer may cap its retries');
  kafka.producer({ idempotent: true, retry: { retries: 2 } });
  const [warning, ...more] = eosWarnings(lines);
  t.same(more, []);
  t.match(warning, { level: 'warn', component: 'kafkajs', namespace: 'Producer' });
  t.notOk(warning && ('timestamp' in warning || 'logger' in warning), 'pino stamps the time; kafkajs does not repeat it');
});
