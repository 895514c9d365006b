/** Renders the contracts as the Markdown of docs/recovery-contracts.md. */
import type { RecoveryContract } from './recovery-contract.ts';

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
