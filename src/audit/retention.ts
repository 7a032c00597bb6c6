// PERFBOT_AUDIT_RETENTION (default 90 days): entries older than that leave Redis, but only
// after they were exported as a segment into PERFBOT_AUDIT_EXPORT_DIR (written, flushed to
// disk, renamed into place and re-verified from the file) — then trimmed exactly through the
// segment's last entry (trim.ts), and the trim itself is an audit entry naming the file and
// its sha256. One replica at a time (a Redis lock); a failure leaves the trail untouched.
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { logJobFailure } from '../redis/health.js';
import { parseEntry, type RawEntry } from './read.js';
import { type ExportedSegment, writeSegment } from './segment-export.js';
import { verifySegmentFile } from './segment-verify.js';
import type { AuditTrail } from './trail.js';
import { trimThrough } from './trim.js';

export interface RetentionOptions {
  trail: AuditTrail;
  retentionMs: number;
  exportDir: string;
  log: Logger;
  now?: (() => Date) | undefined;
  /** Entries per segment file (default 50,000); a run writes as many files as it needs. */
  maxEntries?: number | undefined;
}

export interface RetentionRun {
  segments: { file: string; count: number; sha256: string }[];
  trimmed: number;
}

const LOCK_MS = 10 * 60_000;

async function exportToFile(
  o: RetentionOptions,
  before: Date,
): Promise<{ file: string; segment: ExportedSegment } | undefined> {
  await mkdir(o.exportDir, { recursive: true });
  const partial = join(o.exportDir, `.audit-${randomUUID()}.partial`);
  const fh = await open(partial, 'wx');
  let segment: ExportedSegment | undefined;
  try {
    // Buffered writes straight to the handle, so it can be fsynced before the rename.
    let buffer: string[] = [];
    let size = 0;
    const flush = async () => {
      if (buffer.length === 0) return;
      const chunk = buffer.join('');
      buffer = [];
      size = 0;
      await fh.write(chunk);
    };
    segment = await writeSegment(
      o.trail,
      { before, maxEntries: o.maxEntries ?? 50_000, now: o.now },
      (line) => {
        buffer.push(`${line}\n`);
        size += line.length + 1;
        if (size >= 1 << 20) return flush();
      },
    );
    await flush();
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (!segment) {
    await rm(partial, { force: true });
    return undefined;
  }
  const file = join(o.exportDir, `audit-${segment.firstId}-${segment.lastId}.ndjson`);
  await rename(partial, file);
  return { file, segment };
}

/** One pass: export and trim everything older than the retention, segment by segment. */
export async function applyRetention(o: RetentionOptions): Promise<RetentionRun> {
  const run: RetentionRun = { segments: [], trimmed: 0 };
  if (o.retentionMs <= 0) return run;
  const now = o.now ?? (() => new Date());
  const lockKey = `${o.trail.prefix}audit:retention-lock`;
  const token = randomUUID();
  if ((await o.trail.redis.set(lockKey, token, 'PX', LOCK_MS, 'NX')) !== 'OK') return run;
  try {
    const before = new Date(now().getTime() - o.retentionMs);
    for (;;) {
      // Cheap first: most hours nothing is old enough, and exporting verifies the whole trail.
      const [oldest] = (await o.trail.redis.xrange(o.trail.streamKey, '-', '+', 'COUNT', 1)) as RawEntry[];
      if (!oldest || parseEntry(oldest).time >= before.toISOString()) break;
      const exported = await exportToFile(o, before);
      if (!exported) break;
      const { file, segment } = exported;
      // Read back what is on disk before anything leaves Redis.
      const check = await verifySegmentFile(file, o.trail.key?.canSign ? o.trail.key : undefined);
      if (!check.ok) throw new Error(`exported segment ${file} does not verify: ${check.problem?.reason}`);
      const { trimmed } = await trimThrough(o.trail, segment, now());
      if (trimmed !== segment.count) {
        o.log.warn(
          { file, exported: segment.count, trimmed },
          'audit trim removed a different number of entries',
        );
      }
      run.segments.push({ file, count: segment.count, sha256: segment.sha256 });
      run.trimmed += trimmed;
      await o.trail.append({
        actor: 'system',
        event: 'audit.trimmed',
        details: {
          through: segment.lastId,
          entries: trimmed,
          before: before.toISOString(),
          segment: file.split('/').pop(),
          sha256: segment.sha256,
        },
      });
      o.log.info({ file, entries: trimmed, through: segment.lastId }, 'audit entries exported and trimmed');
    }
  } finally {
    // Only our own lock: another replica may hold it once ours expired.
    await o.trail.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      1,
      lockKey,
      token,
    );
  }
  return run;
}

/** Runs applyRetention now and every `intervalMs` (default an hour) until stopped. */
export function startAuditRetention(o: RetentionOptions & { intervalMs?: number }): {
  stop(): Promise<void>;
} {
  if (o.retentionMs <= 0) return { stop: async () => {} };
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = applyRetention(o).catch((err: unknown) =>
      logJobFailure(o.log, 'error', err, 'audit retention failed: nothing was trimmed'),
    );
  };
  const first = setTimeout(tick, 5_000);
  first.unref();
  const timer = setInterval(tick, o.intervalMs ?? 3_600_000);
  timer.unref();
  return {
    stop: async () => {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
