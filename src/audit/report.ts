// The verification result as the lines `perfbot audit --verify` prints (and /perf could show).
// The first line is always "N entries, chain intact" or "audit chain broken at entry …".
import type { VerifyResult } from './types.js';

export function verifyReport(result: VerifyResult): { ok: boolean; lines: string[] } {
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
      `${result.trimmed} older entries were trimmed by retention (exported segments; verify-file checks them)`,
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
      lines.push(
        `${s.unsignedTail} newer entr${s.unsignedTail === 1 ? 'y is' : 'ies are'} not signed yet (the next checkpoint signs them)`,
      );
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
