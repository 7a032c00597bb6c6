// Canonical JSON for hashing: object keys sorted by UTF-16 code unit order, no whitespace, the
// value rules of JSON.stringify (undefined properties dropped, non-finite numbers → null,
// toJSON honoured). The same value always gives the same bytes, and a document parsed back from
// canonical JSON re-serialises to the identical string — which is what lets `verifyTrail`
// recompute a hash from what Redis stored.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Text that is already canonical JSON, embedded as is: the trail serialises an entry's details
 * once and reuses the text for the hash and for the stored field (see append.ts).
 */
export class CanonicalText {
  constructor(readonly json: string) {}
}

export function canonicalJson(value: unknown): string {
  const out = serialize(value, new Set());
  // A top-level undefined/function has no JSON form; hashing "nothing" would hide a bug.
  if (out === undefined) throw new TypeError('canonicalJson: value has no JSON representation');
  return out;
}

function serialize(value: unknown, seen: Set<object>): string | undefined {
  if (value === null) return 'null';
  if (value instanceof CanonicalText) return value.json;
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return serialize((value as { toJSON: () => unknown }).toJSON(), seen);
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('canonicalJson: BigInt has no JSON representation');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  const obj = value as object;
  if (seen.has(obj)) throw new TypeError('canonicalJson: circular structure');
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      // Like JSON.stringify: holes and unrepresentable items become null inside arrays.
      return `[${obj.map((item) => serialize(item, seen) ?? 'null').join(',')}]`;
    }
    const parts: string[] = [];
    const keys = Object.keys(obj);
    // Objects built in key order (most of ours) need no sort: checking is cheaper than sorting.
    for (let i = 1; i < keys.length; i++) {
      if ((keys[i - 1] as string) > (keys[i] as string)) {
        keys.sort();
        break;
      }
    }
    for (const key of keys) {
      const v = serialize((obj as Record<string, unknown>)[key], seen);
      if (v !== undefined) parts.push(`${JSON.stringify(key)}:${v}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    seen.delete(obj);
  }
}
