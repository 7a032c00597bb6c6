// Walks the chain and names the first entry that breaks it.
//
// Without a key (accidents only): an edited entry (its content no longer hashes to its stored
// hash); an edited hash (the next entry's prevHash no longer matches); a removed entry anywhere
// in the middle or at the start (prevHash gap, or a first entry that chains neither to the
// genesis hash nor to the signed base left by retention); a removed tail (the head pointer
// names an entry that is not the last one, or counts more entries). Someone with write access
// to Redis who rewrites every entry from the edit to the end *and* the head pointer is not
// detected: there is no secret in a plain hash chain.
//
// With PERFBOT_AUDIT_KEY, additionally: every checkpoint entry must be signed by the key and
// name the chain head that really precedes it, so recomputing the chain after an edit breaks
// the next checkpoint; the trail must hold at least one checkpoint (a keyed perfbot signs one
// at start), so a deleted trail fails; and `sinceCheckpoint` (a checkpoint signature taken
// from the log, the outside anchor) must be in the trail, so a trail cut back before it and
// rewritten fails too. Entries after the last checkpoint are not yet signed (at most N entries
// or a minute's worth per replica); the result says how many.

import { hashRecord } from './hash.js';
import type { AuditKey } from './key.js';
import { baseMessage, CHECKPOINT_EVENT, checkpointProblem, signatureProblem } from './signed.js';
import type { AuditEntry, TrailProblem, VerifyResult } from './types.js';
import { GENESIS_HASH } from './types.js';

export interface HeadPointer {
  hash: string | undefined;
  id: string | undefined;
  count: number | undefined;
}

/** Where the trail in Redis starts once retention trimmed (and exported) its beginning. */
export interface BasePointer {
  /** Hash of the last trimmed entry: the first remaining entry chains to it. */
  hash: string;
  id: string;
  /** Entries trimmed so far. */
  count: number;
  time?: string;
  sig?: string;
  alg?: string;
  key?: string;
}

export interface VerifyOptions {
  base?: BasePointer | undefined;
  key?: AuditKey | undefined;
  /** A checkpoint signature from the log that must be found in the trail. */
  sinceCheckpoint?: string | undefined;
  /**
   * Where an exported segment starts: the hash its first entry chains to, vouched for by the
   * segment's own signature rather than by a base pointer (segment-verify.ts).
   */
  startHash?: string | undefined;
  /** false for segments: signed as a whole, they need not hold a checkpoint. Default true. */
  requireCheckpoint?: boolean | undefined;
}

export async function verifyEntries(
  entries: AsyncIterable<AuditEntry>,
  head: HeadPointer,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const { base, key, sinceCheckpoint } = options;
  let prev = base?.hash ?? options.startHash ?? GENESIS_HASH;
  let count = 0;
  let last: AuditEntry | undefined;
  let checkpoints = 0;
  let lastCheckpoint: AuditEntry | undefined;
  let unsigned = 0;
  let unsignedSince: string | undefined;
  let since: AuditEntry | undefined;
  const fail = (problem: TrailProblem): VerifyResult => ({ ok: false, count, problem });

  if (base && key) {
    const why = signatureProblem(key, base, baseMessage(base.hash, base.id));
    if (why) return fail({ id: base.id, time: base.time, reason: `the trim marker (audit:base): ${why}` });
  }

  for await (const e of entries) {
    if (e.prevHash !== prev) {
      return fail({
        id: e.id,
        time: e.time,
        reason: last
          ? `its prevHash does not match the hash of the entry before it (${last.id}): an entry between them was removed or that entry's hash was rewritten`
          : base
            ? `it does not chain to the last trimmed entry (${base.id}): entries after the trim were removed`
            : options.startHash
              ? 'it does not chain to the hash the segment says it starts from'
              : 'it does not chain to the start of the trail: the entries before it were removed',
      });
    }
    const record = {
      time: e.time,
      actor: e.actor,
      event: e.event,
      ...(e.incident ? { incident: e.incident } : {}),
      ...(e.proposal ? { proposal: e.proposal } : {}),
      details: e.details,
    };
    if (hashRecord(prev, record) !== e.hash) {
      return fail({
        id: e.id,
        time: e.time,
        reason: 'its content does not match its hash: the entry was edited',
      });
    }
    if (e.event === CHECKPOINT_EVENT) {
      const why = key ? checkpointProblem(key, e, prev) : undefined;
      if (why) return fail({ id: e.id, time: e.time, reason: why });
      checkpoints++;
      lastCheckpoint = e;
      unsigned = 0;
      unsignedSince = undefined;
      if (sinceCheckpoint !== undefined && e.details.sig === sinceCheckpoint) since = e;
    } else {
      if (unsigned++ === 0) unsignedSince = e.time;
    }
    prev = e.hash;
    count++;
    last = e;
  }

  const trimmed = base?.count ?? 0;
  if (!last) {
    if (head.hash === undefined && !base) {
      if (key && options.requireCheckpoint !== false) {
        return fail({
          id: '-',
          time: undefined,
          reason:
            'the trail is empty, but a keyed perfbot signs a checkpoint as soon as it starts: the whole trail (head pointer included) was deleted, or perfbot never ran with this key',
        });
      }
      return { ok: true, count: 0 };
    }
    if (head.hash === undefined || head.hash !== base?.hash) {
      return fail({
        id: head.id ?? base?.id ?? '?',
        time: undefined,
        reason: 'the trail is empty but its head pointer names this entry: all entries were removed',
      });
    }
    // Every trim appends its audit.trimmed entry right after it, so a trail that is nothing but
    // a trim marker lost what followed it — even when the head pointer was moved back to match.
    return fail({
      id: base.id,
      time: base.time,
      reason:
        'nothing follows the trim marker (audit:base), but every trim is followed by its audit.trimmed entry: the entries after the trim were removed and the head pointer rewritten',
    });
  } else if (head.hash === undefined) {
    return fail({ id: last.id, time: last.time, reason: 'the head pointer is missing: it was deleted' });
  } else if (head.hash !== last.hash || head.id !== last.id) {
    return fail({
      id: head.id ?? '?',
      time: undefined,
      reason: `the newest entry is missing: the head pointer names ${head.id}, but the trail ends at ${last.id} (entries at the end were removed)`,
    });
  } else if (head.count !== count + trimmed) {
    return fail({
      id: last.id,
      time: last.time,
      reason: `the head pointer counts ${head.count} entries but the trail holds ${count + trimmed}${trimmed ? ` (${trimmed} of them trimmed)` : ''}: entries were removed`,
    });
  }

  if (key && checkpoints === 0 && !base?.sig && options.requireCheckpoint !== false) {
    return fail({
      id: last?.id ?? base?.id ?? '-',
      time: last?.time,
      reason:
        'the trail holds no signed checkpoint, but a keyed perfbot signs one as soon as it starts: the trail was replaced, or perfbot has not yet run with this key',
    });
  }
  if (sinceCheckpoint !== undefined && !since) {
    return fail({
      id: lastCheckpoint?.id ?? last?.id ?? '-',
      time: lastCheckpoint?.time,
      reason: `the checkpoint ${sinceCheckpoint.slice(0, 16)}… from the log is not in the trail: the trail was cut back before it and rewritten${base ? ` (or the checkpoint is older than the trim through ${base.id}: check the exported segment)` : ''}`,
    });
  }
  return {
    ok: true,
    count,
    ...(trimmed ? { trimmed, trimmedThrough: base?.id } : {}),
    ...(key
      ? {
          signatures: {
            alg: key.alg,
            keyId: key.id,
            checkpoints,
            ...(lastCheckpoint
              ? {
                  last: {
                    id: lastCheckpoint.id,
                    time: lastCheckpoint.time,
                    sig: String(lastCheckpoint.details.sig),
                  },
                }
              : {}),
            unsignedTail: unsigned,
            ...(unsignedSince ? { unsignedSince } : {}),
            ...(since ? { since: { id: since.id, time: since.time } } : {}),
          },
        }
      : checkpoints > 0
        ? { unverifiedCheckpoints: checkpoints }
        : {}),
  };
}
