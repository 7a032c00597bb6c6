// Walks the chain and names the first entry that breaks it.
//
// Detected: an edited entry (its content no longer hashes to its stored hash); an edited hash
// (the next entry's prevHash no longer matches); a removed entry anywhere in the middle or at
// the start (prevHash gap, or a first entry that does not chain to the genesis hash); a removed
// tail (the head pointer names an entry that is not the last one, or counts more entries).
// Not detected: someone with write access to Redis who rewrites every entry from the edit to
// the end *and* the head pointer — there is no secret in a plain hash chain. The entries are
// also logged with their hashes, so shipped logs are the outside anchor to compare against.

import { hashRecord } from './hash.js';
import type { AuditEntry, TrailProblem, VerifyResult } from './types.js';
import { GENESIS_HASH } from './types.js';

export interface HeadPointer {
  hash: string | undefined;
  id: string | undefined;
  count: number | undefined;
}

export async function verifyEntries(
  entries: AsyncIterable<AuditEntry>,
  head: HeadPointer,
): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let count = 0;
  let last: AuditEntry | undefined;
  const fail = (problem: TrailProblem): VerifyResult => ({ ok: false, count, problem });

  for await (const e of entries) {
    if (e.prevHash !== prev) {
      return fail({
        id: e.id,
        time: e.time,
        reason: last
          ? `its prevHash does not match the hash of the entry before it (${last.id}): an entry between them was removed or that entry's hash was rewritten`
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
    prev = e.hash;
    count++;
    last = e;
  }

  if (!last) {
    if (head.hash === undefined) return { ok: true, count: 0 };
    return fail({
      id: head.id ?? '?',
      time: undefined,
      reason: 'the trail is empty but its head pointer names this entry: all entries were removed',
    });
  }
  if (head.hash === undefined) {
    return fail({ id: last.id, time: last.time, reason: 'the head pointer is missing: it was deleted' });
  }
  if (head.hash !== last.hash || head.id !== last.id) {
    return fail({
      id: head.id ?? '?',
      time: undefined,
      reason: `the newest entry is missing: the head pointer names ${head.id}, but the trail ends at ${last.id} (entries at the end were removed)`,
    });
  }
  if (head.count !== count) {
    return fail({
      id: last.id,
      time: last.time,
      reason: `the head pointer counts ${head.count} entries but the trail holds ${count}: entries were removed`,
    });
  }
  return { ok: true, count };
}
