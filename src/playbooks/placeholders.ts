// `${NAME}` in a check's string parameters: values that differ per installation (an S3 bucket,
// an Azure workspace) come from the environment instead of being invented in the playbook. An
// unset variable makes the check "skipped: set NAME", like an unconfigured back end.

const PLACEHOLDER = /\$\{([A-Z][A-Z0-9_]*)\}/g;

/** Variable names used anywhere in `value` (strings inside objects and arrays). */
export function placeholdersIn(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') for (const m of value.matchAll(PLACEHOLDER)) into.add(m[1] as string);
  else if (Array.isArray(value)) for (const v of value) placeholdersIn(v, into);
  else if (value !== null && typeof value === 'object')
    for (const v of Object.values(value)) placeholdersIn(v, into);
  return into;
}

/** A deep copy of `value` with every placeholder replaced by `replace(name)`. */
export function substitutePlaceholders(value: unknown, replace: (name: string) => string): unknown {
  if (typeof value === 'string') return value.replace(PLACEHOLDER, (_m, name: string) => replace(name));
  if (Array.isArray(value)) return value.map((v) => substitutePlaceholders(v, replace));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitutePlaceholders(v, replace)]));
  }
  return value;
}

/** Fills placeholders from `env`; `missing` lists the unset (or empty) variables. */
export function resolvePlaceholders(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { value: unknown; missing: string[] } {
  const missing = [...placeholdersIn(value)].filter((name) => !env[name]);
  return {
    value: missing.length ? value : substitutePlaceholders(value, (name) => env[name] ?? ''),
    missing,
  };
}

/**
 * For load-time validation: a stand-in that satisfies the usual name rules (DNS-1123, Kafka,
 * host names), so the rest of the parameters are still checked; the real value is validated
 * again when the check runs.
 */
export function withStandIns(value: unknown): unknown {
  return substitutePlaceholders(value, () => 'x');
}
