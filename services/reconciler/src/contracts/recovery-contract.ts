/**
 * A recovery contract (seed 001) as data: the seven answers for one critical flow. Q's invariants
 * are SQL returning one row with a `violations` count, with `{order}`, `{payment}` and
 * `{inventory}` standing for the schema names; a flow is `trusted` only when every one is 0.
 */
export interface Invariant {
  name: string;
  description: string;
  sql: string;
}

export interface StateMachine {
  transitions: Readonly<Record<string, { readonly from: readonly string[]; readonly to: string }>>;
  events: readonly { type: string; topic: string; rank: number; effect: string; why: string }[];
  /** Applied after every event: the follow-up transition the owner makes on its own. */
  followUp: string;
  /** Commands that publish no event: a live state ahead of the projection through these agrees with it. */
  unevented: readonly string[];
}

export interface RecoveryContract {
  flow: string;
  /** H: the authoritative history every projection of this flow is rebuilt from. */
  history: { source: string; tables: string[] };
  /** O: the ordering boundary (what must be applied in order, and what may interleave). */
  ordering: string;
  /** I: the key that makes applying an event twice a no-op. */
  idempotencyKey: string;
  /** F: the deterministic projection: from history to state. */
  projection: string;
  /** F as data, for a flow whose projection is a state machine driven by events. */
  stateMachine?: StateMachine;
  /** S: what one replay covers and where it starts. */
  replayScope: string;
  /** Q: the invariants that must hold after a replay or a reconciliation. */
  invariants: Invariant[];
  /** E: the evidence a replay leaves. */
  evidence: { fields: string[]; storedIn: string };
}

export function bindSchemas(sql: string, schemas: { order: string; payment: string; inventory: string }): string {
  return sql.replaceAll('{order}', `\`${schemas.order}\``).replaceAll('{payment}', `\`${schemas.payment}\``).replaceAll('{inventory}', `\`${schemas.inventory}\``);
}

export const EVIDENCE_FIELDS = ['events_processed', 'duplicates_skipped', 'projections_changed', 'reconciliation_failures', 'confidence_status'];
