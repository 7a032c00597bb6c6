// Tools for audit tests: key files, the CLI as a child process, and what an attacker with write
// access to Redis (but not the key) can do to the trail: rewrite entries and recompute the chain.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { canonicalJson } from '../../src/audit/canonical-json.js';
import { hashRecord } from '../../src/audit/hash.js';
import { parseEntry, type RawEntry } from '../../src/audit/read.js';
import { type AuditEntry, GENESIS_HASH } from '../../src/audit/types.js';

const ROOT = join(import.meta.dirname, '..', '..');

export interface KeyFiles {
  dir: string;
  privatePem: string;
  publicPem: string;
  otherPrivatePem: string;
  hmac: string;
}

export function writeKeyFiles(): KeyFiles {
  const dir = mkdtempSync(join(tmpdir(), 'perfbot-audit-keys-'));
  const pair = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  const files = {
    dir,
    privatePem: join(dir, 'audit.pem'),
    publicPem: join(dir, 'audit.pub.pem'),
    otherPrivatePem: join(dir, 'other.pem'),
    hmac: join(dir, 'audit.secret'),
  };
  writeFileSync(files.privatePem, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(files.publicPem, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(files.otherPrivatePem, other.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(files.hmac, `${randomBytes(32).toString('hex')}\n`);
  return files;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/perfbot.js <args>` (the compiled CLI) with only the given environment. */
export function perfbotCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'perfbot.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function readEntries(redis: Redis, prefix: string): Promise<AuditEntry[]> {
  return ((await redis.xrange(`${prefix}audit`, '-', '+')) as RawEntry[]).map(parseEntry);
}

/**
 * Replaces the stream with `entries` (same IDs), recomputing every hash from the trail's start
 * and the head pointer to match, as someone with Redis write access but no key would.
 */
export async function rewriteChain(
  redis: Redis,
  prefix: string,
  entries: AuditEntry[],
  start = GENESIS_HASH,
  trimmed = 0,
  /** Also point each checkpoint's `head` at the recomputed chain (its signature cannot follow). */
  retargetCheckpoints = false,
): Promise<void> {
  const tx = redis.multi().del(`${prefix}audit`);
  let prev = start;
  for (const e of entries) {
    if (retargetCheckpoints && e.event === 'audit.checkpoint') e.details = { ...e.details, head: prev };
    const record = {
      time: e.time,
      actor: e.actor,
      event: e.event,
      ...(e.incident ? { incident: e.incident } : {}),
      ...(e.proposal ? { proposal: e.proposal } : {}),
      details: e.details,
    };
    const hash = hashRecord(prev, record);
    const fields = ['time', e.time, 'actor', e.actor, 'event', e.event];
    if (e.incident) fields.push('incident', e.incident);
    if (e.proposal) fields.push('proposal', e.proposal);
    fields.push('details', canonicalJson(e.details), 'prev', prev, 'hash', hash);
    tx.xadd(`${prefix}audit`, e.id, ...fields);
    prev = hash;
  }
  const last = entries[entries.length - 1];
  if (last) tx.hset(`${prefix}audit:head`, 'hash', prev, 'id', last.id, 'count', entries.length + trimmed);
  await tx.exec();
}

/** The `checkpoint.sig` of every "audit checkpoint" line a JSON logger wrote. */
export function loggedCheckpoints(lines: string[]): string[] {
  return lines
    .map((l) => JSON.parse(l) as { msg?: string; checkpoint?: { sig: string } })
    .filter((l) => l.msg === 'audit checkpoint')
    .map((l) => l.checkpoint?.sig as string);
}
