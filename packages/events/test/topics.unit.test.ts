import t from 'tap';
import { allTopics, domainTopics } from '../src/index.ts';

t.test('topic names follow domain.entity.event.vN and are unique', async (t) => {
  const names = allTopics().map((topic) => topic.name);
  t.equal(new Set(names).size, names.length);
  for (const name of names) t.match(name, /^[a-z][a-z-]*\.[a-z][a-z-]*\.[a-z][a-z-]*\.v\d+$/, name);
});

t.test('every consumer of a domain topic has a dead-letter and a quarantine topic', async (t) => {
  const names = new Set(allTopics().map((topic) => topic.name));
  for (const consumer of new Set(domainTopics.flatMap((topic) => topic.consumers))) {
    t.ok(names.has(`${consumer}.consumer.dead-lettered.v1`));
    t.ok(names.has(`${consumer}.consumer.quarantined.v1`));
  }
});
