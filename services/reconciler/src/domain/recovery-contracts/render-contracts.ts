/** Renders the contracts as the Markdown of docs/recovery-contracts.md. */
import type { Invariant, RecoveryContract, StateMachine } from './recovery-contract.ts';

const sqlBlock = (sql: string) => ['```sql', sql.replace(/\n\s+/g, '\n  ').trim(), '```'];

function renderInvariant(invariant: Invariant): string[] {
  const lines = [`### \`${invariant.name}\``, '', invariant.description, ''];
  if ('sql' in invariant) return [...lines, `On the ${invariant.database} database:`, '', ...sqlBlock(invariant.sql), ''];
  const counted = invariant.violation === 'ref_missing' ? 'whose `ref` the second read does not return' : 'whose `ref` the second read returns';
  return [
    ...lines,
    `Across two databases, combined by the reconciler a page at a time: the ${invariant.scan.database} database in keyset pages,`,
    '',
    ...sqlBlock(invariant.scan.sql),
    '',
    `then the ${invariant.lookup.database} database for each page's refs; a violation is a scanned row ${counted}.`,
    '',
    ...sqlBlock(invariant.lookup.sql),
    '',
  ];
}

function renderStateMachine(machine: StateMachine): string[] {
  return [
    '',
    '  | command | from | to |',
    '  |---|---|---|',
    ...Object.entries(machine.transitions).map(([command, rule]) => `  | ${command} | ${rule.from.join(', ')} | ${rule.to} |`),
    '',
    '  | event | topic | rank | effect | why |',
    '  |---|---|---|---|---|',
    ...machine.events.map((event) => `  | \`${event.type}\` | \`${event.topic}\` | ${event.rank} | ${event.effect} | ${event.why} |`),
    '',
    `  After every event: ${machine.followUp}. Commands with no event (${machine.unevented.join(', ')}): a live order ahead of its projection through them agrees with it.`,
    '',
  ];
}

export function renderContracts(contracts: readonly RecoveryContract[]): string {
  const parts = [
    '# Recovery contracts',
    '',
    'Generated from `services/reconciler/src/domain/recovery-contracts/` by `pnpm --filter @flash-sale/reconciler-service contracts:render`; edit the data, not this file.',
    'Each critical flow answers seven questions: H, its authoritative history; O, its ordering boundary; I, its idempotency key; F, its deterministic projection;',
    'S, its replay scope; Q, the invariants that must hold; E, the evidence a replay leaves. `npm run replay -- <flow>` rebuilds a flow from H, checks Q, and stores E in `replay_runs`;',
    "`confidence_status` is `trusted` only when every invariant below holds. Each statement runs on one service's database (docs/adr/0010-database-per-service.md).",
  ];
  for (const contract of contracts) {
    parts.push(
      '',
      `## ${contract.flow}`,
      '',
      `- **H — authoritative history:** ${contract.history.source} (${contract.history.tables.map((table) => `\`${table}\``).join(', ')})`,
      `- **O — ordering boundary:** ${contract.ordering}`,
      `- **I — idempotency key:** ${contract.idempotencyKey}`,
      `- **F — deterministic projection:** ${contract.projection}`,
      ...(contract.stateMachine ? renderStateMachine(contract.stateMachine) : []),
      `- **S — replay scope:** ${contract.replayScope}`,
      `- **E — evidence:** ${contract.evidence.fields.map((field) => `\`${field}\``).join(', ')}, stored in \`${contract.evidence.storedIn}\``,
      '- **Q — invariants:**',
      '',
    );
    for (const invariant of contract.invariants) parts.push(...renderInvariant(invariant));
  }
  return `${parts.join('\n').trimEnd()}\n`;
}
