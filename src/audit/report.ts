// The verification result as the lines `perfbot audit --verify` prints (and /perf could show).
// The first line is always "N entries, chain intact" or "audit chain broken at entry …".
import type { VerifyResult } from './types.js';

/** A keyed perfbot signs at most a minute after an append; past this, an unsigned tail is odd. */
const UNSIGNED_GRACE_MS = 2 * 60_000;

export function verifyReport(result: VerifyResult, now: Date = new Date()): { ok: boolean; lines: string[] } {
  if (!result.ok) {
    const p = result.problem;
    return {
      ok: false,
      lines: [
        `audit chain broken at entry ${p.id}${p.time ? ` (${p.time})` : ''}: ${p.reason}`,
        `${result.count} entries before it verified`,
      ],
    };
  }
  const lines = [`${result.count} entries, chain intact`];
  if (result.trimmed) {
    lines.push(
      `${result.trimmed} older entries were trimmed by retention${result.trimmedThrough ? ` through entry ${result.trimmedThrough}` : ''} (exported segments; verify-file checks them, and the newest must end there)`,
    );
  }
  const s = result.signatures;
  if (s) {
    lines.push(
      s.last
        ? `signed: ${s.checkpoints} checkpoint(s) valid (${s.alg} key ${s.keyId}); the last, entry ${s.last.id} at ${s.last.time}, sig ${s.last.sig}`
        : `signed: the trim marker is valid (${s.alg} key ${s.keyId}); no checkpoint since`,
    );
    if (s.unsignedTail > 0) {
      const since = s.unsignedSince ? `, the oldest from ${s.unsignedSince}` : '';
      lines.push(
        `${s.unsignedTail} newer entr${s.unsignedTail === 1 ? 'y is' : 'ies are'} not signed yet${since} (the next checkpoint signs them)`,
      );
      const age = s.unsignedSince ? now.getTime() - Date.parse(s.unsignedSince) : 0;
      if (age > UNSIGNED_GRACE_MS) {
        // Not a failure by itself (a perfbot that crashed signs them when it starts again), but
        // also what a trail looks like whose later checkpoints were removed after an edit.
        lines.push(
          'WARNING: a running keyed perfbot signs new entries within a minute; if perfbot ran since then, checkpoints after them were removed: verify with --since-checkpoint and the latest logged sig',
        );
      }
    }
    if (s.since) lines.push(`checkpoint from the log found at entry ${s.since.id} (${s.since.time})`);
    else
      lines.push(
        'compare the last sig with the latest "audit checkpoint" log line, or pass it with --since-checkpoint',
      );
  } else if (result.unverifiedCheckpoints) {
    lines.push(
      `${result.unverifiedCheckpoints} signed checkpoint(s) not checked: set PERFBOT_AUDIT_KEY (the public key suffices for Ed25519)`,
    );
  }
  return { ok: true, lines };
}
