/** Renders the contracts as the Markdown of docs/recovery-contracts.md. */
import type { RecoveryContract, StateMachine } from './recovery-contract.ts';

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
    'Generated from `services/reconciler/src/contracts/` by `pnpm --filter @flash-sale/reconciler-service contracts:render`; edit the data, not this file.',
    'Each critical flow answers seed 001’s seven questions. `npm run replay -- <flow>` rebuilds a flow from H, checks Q, and stores E in `replay_runs`;',
    '`confidence_status` is `trusted` only when every invariant below holds. `{order}`, `{payment}`, `{inventory}` stand for the schema names.',
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
    for (const invariant of contract.invariants) {
      parts.push(`### \`${invariant.name}\``, '', invariant.description, '', '```sql', invariant.sql.replace(/\n\s+/g, '\n  ').trim(), '```', '');
    }
  }
  return `${parts.join('\n').trimEnd()}\n`;
}
