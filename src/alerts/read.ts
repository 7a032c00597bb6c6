// Lenient readers for outside JSON. A required field that is missing or of the wrong type is
// an InvalidInputError naming its JSON path (`alerts[2].status`), so the sender's operator can
// fix the template; optional fields of the wrong type are dropped, because refusing a whole
// notification over a cosmetic field would lose the alert.
import { InvalidInputError } from '../errors.js';
import { RFC3339 } from './schema.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const at = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;

export function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (value === '') return 'an empty string';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

export function requireObject(value: unknown, path: string): JsonObject {
  if (isObject(value)) return value;
  throw new InvalidInputError(path || 'body', `expected an object, got ${describe(value)}`);
}

export function requireArray(value: unknown, path: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new InvalidInputError(path, `expected an array, got ${describe(value)}`);
}

export function requireString(obj: JsonObject, key: string, path: string): string {
  const value = obj[key];
  if (typeof value === 'string' && value !== '') return value;
  throw new InvalidInputError(at(path, key), `expected a non-empty string, got ${describe(value)}`);
}

export function optionalString(obj: JsonObject, key: string): string | undefined {
  const value = obj[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function requireOneOf<T extends string>(
  obj: JsonObject,
  key: string,
  path: string,
  allowed: readonly T[],
): T {
  const value = obj[key];
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidInputError(
    at(path, key),
    `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${typeof value === 'string' ? `"${value.slice(0, 40)}"` : describe(value)}`,
  );
}

const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** Parses an RFC 3339 time to epoch ms; undefined for Go's zero time (0001-01-01). */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === GO_ZERO_TIME || !RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return ms;
}

/** The ISO form of a parsed time: the sender's own string when it already is one (no copy). */
export function isoOf(value: unknown, ms: number): string {
  return typeof value === 'string' && value.length === 24 && value[19] === '.' && value[23] === 'Z'
    ? value
    : new Date(ms).toISOString();
}

export function requireTime(obj: JsonObject, key: string, path: string): number {
  const ms = parseTime(obj[key]);
  if (ms !== undefined) return ms;
  throw new InvalidInputError(at(path, key), `expected an RFC 3339 time, got ${describe(obj[key])}`);
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Labels must be strings (they route alerts); a non-string label is an error, not a guess.
 * A clean object is returned as is: webhook bodies are large and this is the hot path.
 */
export function requireStringMap(value: unknown, path: string): Record<string, string> {
  const obj = requireObject(value, path);
  let clean = true;
  for (const k in obj) {
    const v = obj[k];
    if (typeof v !== 'string')
      throw new InvalidInputError(at(path, k), `expected a string, got ${describe(v)}`);
    if (k === '__proto__') clean = false;
  }
  return clean ? (obj as Record<string, string>) : copyStrings(obj);
}

/** Annotations and similar decorations: keep string-able values, drop the rest. */
export function lenientStringMap(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  for (const k in value) {
    if (typeof value[k] !== 'string' || k === '__proto__') return copyStrings(value);
  }
  return value as Record<string, string>;
}

function copyStrings(value: JsonObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    // JSON.parse makes "__proto__" an own key; assigning it would set the prototype instead.
    if (k === '__proto__') continue;
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

export function finiteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
