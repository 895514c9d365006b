/**
 * A recovery contract as data, rendered into docs/recovery-contracts.md: the seven answers (H, O,
 * I, F, S, Q, E below) for one critical flow. Q's invariants are SQL, each statement run on one
 * service's database (ADR 0010); a flow is `trusted` only when every invariant counts 0 violations.
 */
import type { Service } from '../../infra/service-databases.ts';

/** One statement on one service's database, returning one row with a `violations` count. */
export interface SingleDatabaseInvariant {
  name: string;
  description: string;
  database: Service;
  sql: string;
}

/**
 * An invariant over two services' data, combined in the process: `scan` reads one database in
 * keyset pages (its first column `id`, the key, placeholders `id > ?` and `LIMIT ?`; its `ref`
 * column what to look up), `lookup` reads the other for each page's refs (`IN (?)`, returning
 * `ref`). A violation is a scanned row whose ref the lookup does not return (`ref_missing`) or
 * does return (`ref_found`).
 */
export interface CrossDatabaseInvariant {
  name: string;
  description: string;
  scan: { database: Service; sql: string };
  lookup: { database: Service; sql: string };
  violation: 'ref_missing' | 'ref_found';
}

export type Invariant = SingleDatabaseInvariant | CrossDatabaseInvariant;

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

export const EVIDENCE_FIELDS = ['events_processed', 'duplicates_skipped', 'projections_changed', 'reconciliation_failures', 'confidence_status'];
