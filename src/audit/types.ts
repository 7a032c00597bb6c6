// What the audit trail records. The list of event names is closed on purpose: a typo in an event
// name would make an entry invisible to anyone filtering the trail for it.

export const AUDIT_EVENTS = [
  'alert.received',
  'incident.opened',
  'incident.repeated',
  'incident.resolved',
  /** A sender group joined an open incident through correlation (details: group, key). */
  'incident.correlated',
  /** New firing alert names after the last diagnosis settled: diagnose again. */
  'incident.rediagnose',
  /** Someone took the incident (actor); details.previous: who had it. */
  'incident.acknowledged',
  'silence.created',
  'silence.ended',
  'command.invoked',
  'diagnosis.started',
  /** A command or button refused by the access rules (src/access/); details say who may. */
  'command.refused',
  'diagnosis.done',
  'diagnosis.failed',
  'proposal.created',
  'proposal.noop',
  /** One approval recorded; details say how many of how many, and whether that completed it. */
  'proposal.approved',
  'proposal.denied',
  /** A click that changed nothing: not an approver, self-approval, expired, already decided… */
  'proposal.refused',
  'proposal.expired',
  /** A pending proposal whose incident resolved: it can no longer be approved. */
  'proposal.retired',
  'job.started',
  'job.succeeded',
  'job.failed',
  'job.retried',
  /** The worker would not run the job: the stored proposal was not approved. */
  'job.refused',
  'job.dry-run',
  'verification.scheduled',
  'verification.passed',
  'verification.failed',
  /** A signed statement of the chain's head (PERFBOT_AUDIT_KEY): see signed.ts. */
  'audit.checkpoint',
  /** Retention exported and trimmed the oldest entries; details name the segment. */
  'audit.trimmed',
  /** A proposal (or a planned remediation) that breaks a guardrail: never approvable. */
  'proposal.blocked',
  /** `/perf undo` or Revert refused: no undo for the kind, nothing ran, or the object changed since. */
  'revert.refused',
  /** A namespace outside the playbook's `namespaces` was asked for; nothing was called. */
  'namespace.refused',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export type AuditDetails = Record<string, unknown>;

/** What a caller records. `actor` is a Slack user ID, `system`, `alertmanager`, `cli`, … */
export interface AuditInput {
  actor: string;
  event: AuditEvent;
  incident?: string | undefined;
  proposal?: string | undefined;
  details?: AuditDetails | undefined;
}

/** The hashed content of an entry: everything except its position in the chain. */
export interface AuditRecord {
  time: string;
  actor: string;
  event: string;
  incident?: string;
  proposal?: string;
  details: AuditDetails;
}

export interface AuditEntry extends AuditRecord {
  /** Redis Stream entry ID, e.g. 1714550000000-0. */
  id: string;
  /** Hash of the entry before this one (GENESIS_HASH for the first). */
  prevHash: string;
  /** sha256(prevHash + canonicalJson(record)), hex. */
  hash: string;
}

/** Anything that can take an audit entry: the trail, or a test double in unit tests. */
export interface AuditSink {
  append(input: AuditInput): Promise<AuditEntry>;
}

export const GENESIS_HASH = '0'.repeat(64);

export interface TrailProblem {
  /** Stream ID of the first bad entry (or of the head pointer's missing entry). */
  id: string;
  time: string | undefined;
  reason: string;
}

/** What the key vouched for in a verified trail. */
export interface SignatureReport {
  alg: string;
  keyId: string;
  checkpoints: number;
  last?: { id: string; time: string; sig: string };
  /** Entries after the last checkpoint: not signed yet. */
  unsignedTail: number;
  /** Time of the oldest of them. */
  unsignedSince?: string;
  /** Where the checkpoint given with --since-checkpoint was found. */
  since?: { id: string; time: string };
}

export type VerifyResult =
  | {
      ok: true;
      /** Entries verified in Redis. */
      count: number;
      /** Entries trimmed by retention before them (exported to segments). */
      trimmed?: number;
      /** The last trimmed entry: where the newest exported segment must end. */
      trimmedThrough?: string;
      signatures?: SignatureReport;
      /** Checkpoints present but not checked: no key to check them with. */
      unverifiedCheckpoints?: number;
    }
  | { ok: false; count: number; problem: TrailProblem };
