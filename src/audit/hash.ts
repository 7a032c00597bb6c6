// The chain link: an entry's hash covers the previous entry's hash and its own canonical JSON.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { AuditRecord } from './types.js';

export function hashRecord(prevHash: string, record: AuditRecord): string {
  return createHash('sha256')
    .update(prevHash + canonicalJson(record))
    .digest('hex');
}
