/**
 * A non-empty dead-letter or quarantine topic means events some consumer gave up on: an alert, not
 * something to repair blindly (redrive is an ops decision: the ops console, or `node packages/events/src/cli/redrive.ts`). The depth of each
 * topic (end offset - start offset) is a gauge and each non-empty topic an anomaly of the run.
 */
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

export const deadLettersJob: ReconciliationJob = {
  name: 'dead-letters',
  description: 'Non-empty dead-letter or quarantine topics: alert metric with their depth',
  everyMs: 60_000,
  async run(deps: JobDeps) {
    const tally = new Tally(deps.logger);
    const admin = deps.kafka.admin();
    await admin.connect();
    try {
      for (const topic of deps.deadLetterTopics) {
        tally.checked += 1;
        try {
          const offsets = await admin.fetchTopicOffsets(topic);
          const depth = offsets.reduce((sum, partition) => sum + Number(BigInt(partition.high) - BigInt(partition.low)), 0);
          deps.metrics.deadLetters.set({ topic }, depth);
          if (depth > 0) {
            tally.found(`dead_letters:${topic}`, topic, depth);
            deps.logger.warn({ topic, depth }, 'dead-letter or quarantine topic is not empty');
          }
        } catch (error) {
          tally.failed += 1;
          deps.logger.error({ err: error, topic }, 'could not read the depth of a dead-letter topic');
        }
      }
    } finally {
      await admin.disconnect();
    }
    return tally.outcome();
  },
};
