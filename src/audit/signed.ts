// What the audit key signs. Three statements, each a fixed, versioned text so a signature can
// never be replayed as another kind:
//   checkpoint: "the chain's head was <hash> at <time>" — an ordinary chain entry
//               (event audit.checkpoint), so later entries chain over it;
//   base:       "the trail was trimmed through entry <id>, whose hash is <hash>" — lets the
//               trail that remains in Redis start mid-chain;
//   segment:    "this export holds <count> entries from after <prevHash> to <lastHash>".
// The entries in between are bound by their hashes; the signatures bind the hashes to the key.
import type { AuditKey } from './key.js';
import type { AuditEntry, AuditRecord } from './types.js';

export const CHECKPOINT_EVENT = 'audit.checkpoint';

export const checkpointMessage = (head: string, time: string): string =>
  `perfbot-audit-checkpoint/v1\n${head}\n${time}`;

export const baseMessage = (hash: string, id: string): string => `perfbot-audit-base/v1\n${hash}\n${id}`;

export interface SegmentSummary {
  /** Hash the first entry chains to (the genesis hash, or the end of the previous segment). */
  prevHash: string;
  firstId: string;
  lastId: string;
  lastHash: string;
  count: number;
}

export const segmentMessage = (s: SegmentSummary): string =>
  `perfbot-audit-segment/v1\n${s.prevHash}\n${s.lastHash}\n${s.count}\n${s.firstId}\n${s.lastId}`;

export interface Signature {
  alg: string;
  key: string;
  sig: string;
}

export function signWith(key: AuditKey, message: string): Signature {
  return { alg: key.alg, key: key.id, sig: key.sign(message) };
}

/** Why a signature does not hold for this key, or undefined when it does. */
export function signatureProblem(key: AuditKey, s: Partial<Signature>, message: string): string | undefined {
  if (!s.sig) return 'it carries no signature';
  if (s.key !== key.id || s.alg !== key.alg) {
    return `it is signed by another key (${s.alg ?? '?'} ${s.key ?? '?'}), not by PERFBOT_AUDIT_KEY (${key.alg} ${key.id})`;
  }
  return key.verify(message, s.sig) ? undefined : 'its signature does not verify: it was forged or altered';
}

/** The checkpoint entry for a chain whose head is `head`; built at write time (append.ts). */
export function checkpointRecord(key: AuditKey, head: string, time: string, actor: string): AuditRecord {
  return {
    time,
    actor,
    event: CHECKPOINT_EVENT,
    details: { head, ...signWith(key, checkpointMessage(head, time)) },
  };
}

/** Why a checkpoint entry does not vouch for the chain before it (`prev`), or undefined. */
export function checkpointProblem(key: AuditKey, e: AuditEntry, prev: string): string | undefined {
  const d = e.details as Partial<Signature> & { head?: unknown };
  if (d.head !== prev) {
    return 'it is a signed checkpoint of a different chain head: entries before it were changed and the chain recomputed';
  }
  const why = signatureProblem(key, d, checkpointMessage(prev, e.time));
  return why ? `checkpoint: ${why}` : undefined;
}
