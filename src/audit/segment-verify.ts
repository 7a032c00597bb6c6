// `perfbot audit verify-file FILE…`: checks exported segments (segment-export.ts) away from
// Redis. Each file: its entries chain from the header's prevHash and each hashes right, its
// checkpoints are signed by the key, its trailer names the last entry and the count, and (with
// a key) the trailer's signature holds. Several files given in order must continue each other.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AuditKey } from './key.js';
import { SEGMENT_TYPE } from './segment-export.js';
import { type SegmentSummary, segmentMessage, signatureProblem } from './signed.js';
import type { AuditEntry } from './types.js';
import { verifyEntries } from './verify.js';

export interface SegmentCheck {
  file: string;
  ok: boolean;
  count: number;
  summary?: SegmentSummary;
  /** The first bad line (1-based) and why. */
  problem?: { line: number; id?: string | undefined; reason: string };
  /** Whether the trailer's signature was checked (a key was given and the segment is signed). */
  signatureChecked: boolean;
}

class LineError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

async function* lines(file: string): AsyncGenerator<{ n: number; text: string }> {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const text of rl) {
    n++;
    if (text.trim() !== '') yield { n, text };
  }
}

function parse(line: { n: number; text: string }): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(line.text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new LineError(line.n, 'not a JSON object: the file is damaged');
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export async function verifySegmentFile(
  file: string,
  key: AuditKey | undefined,
  expectPrevHash?: string,
): Promise<SegmentCheck> {
  const fail = (line: number, reason: string, id?: string): SegmentCheck => ({
    file,
    ok: false,
    count: 0,
    problem: { line, id, reason },
    signatureChecked: false,
  });
  try {
    let header: Record<string, unknown> | undefined;
    let trailer: { n: number; v: Record<string, unknown> } | undefined;
    for await (const l of lines(file)) {
      if (!header) header = parse(l);
      else trailer = { n: l.n, v: parse(l) };
    }
    if (!header || header.type !== SEGMENT_TYPE || header.version !== 1) {
      return fail(1, `not a perfbot audit segment (the first line must be a ${SEGMENT_TYPE} header)`);
    }
    if (trailer?.v.type !== 'end') {
      return fail(trailer?.n ?? 1, 'the trailer line is missing: the file was cut short');
    }
    const t = trailer.v;
    const summary: SegmentSummary = {
      prevHash: str(t.prevHash),
      firstId: str(t.firstId),
      lastId: str(t.lastId),
      lastHash: str(t.lastHash),
      count: typeof t.count === 'number' ? t.count : -1,
    };
    if (summary.prevHash !== header.prevHash) {
      return fail(trailer.n, 'the trailer and the header disagree on where the segment starts');
    }
    if (expectPrevHash !== undefined && summary.prevHash !== expectPrevHash) {
      return fail(1, 'it does not continue the previous file: a segment between them is missing');
    }
    const lineOf = new Map<string, number>();
    async function* entries(): AsyncGenerator<AuditEntry> {
      let index = 0;
      for await (const l of lines(file)) {
        if (l.n === 1 || l.n === trailer?.n) continue;
        const v = parse(l);
        if (v.type !== 'entry') throw new LineError(l.n, 'not an entry line');
        const id = str(v.id);
        if (index++ === 0 && id !== summary.firstId) {
          throw new LineError(l.n, `the first entry is ${id}, but the trailer says ${summary.firstId}`);
        }
        lineOf.set(id, l.n);
        yield {
          id,
          time: str(v.time),
          actor: str(v.actor),
          event: str(v.event),
          ...(typeof v.incident === 'string' ? { incident: v.incident } : {}),
          ...(typeof v.proposal === 'string' ? { proposal: v.proposal } : {}),
          details: (v.details && typeof v.details === 'object' ? v.details : {}) as AuditEntry['details'],
          prevHash: str(v.prev),
          hash: str(v.hash),
        };
      }
    }
    const result = await verifyEntries(
      entries(),
      { hash: summary.lastHash, id: summary.lastId, count: summary.count },
      { startHash: summary.prevHash, key, requireCheckpoint: false },
    );
    if (!result.ok) {
      const p = result.problem;
      return fail(lineOf.get(p.id) ?? trailer.n, p.reason.replace('the head pointer', 'the trailer'), p.id);
    }
    let signatureChecked = false;
    if (key) {
      const why = t.alg === 'none' ? 'it is not signed' : signatureProblem(key, t, segmentMessage(summary));
      if (why) return fail(trailer.n, `the segment: ${why}`);
      signatureChecked = true;
    }
    return { file, ok: true, count: result.count, summary, signatureChecked };
  } catch (err) {
    if (err instanceof LineError) return fail(err.line, err.message);
    const e = err as NodeJS.ErrnoException;
    return fail(0, e.code === 'ENOENT' ? 'no such file' : e.message);
  }
}

/** Checks files in order, each continuing the one before; one line per file. */
export async function verifySegmentFiles(
  files: readonly string[],
  key: AuditKey | undefined,
): Promise<{ ok: boolean; lines: string[] }> {
  const out: string[] = [];
  let prev: string | undefined;
  for (const file of files) {
    const c = await verifySegmentFile(file, key, prev);
    if (!c.ok || !c.summary) {
      const p = c.problem;
      out.push(
        `${file}:${p?.line ?? 0}: broken${p?.id ? ` at entry ${p.id}` : ''}: ${p?.reason ?? 'unknown'}`,
      );
      return { ok: false, lines: out };
    }
    const s = c.summary;
    out.push(
      `${file}: ${c.count} entries (${s.firstId} … ${s.lastId}), chain intact, ${
        c.signatureChecked
          ? `signature valid (${key?.alg} key ${key?.id})`
          : 'signature NOT checked (no PERFBOT_AUDIT_KEY: this proves integrity against accidents only)'
      }`,
    );
    prev = s.lastHash;
  }
  return { ok: true, lines: out };
}
