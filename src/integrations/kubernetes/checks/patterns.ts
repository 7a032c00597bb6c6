// Log patterns come from playbooks (validated, reviewed), but a regex is still code run over
// untrusted log text. Compile once, refuse the shapes that backtrack catastrophically (a
// quantified group that itself contains a quantifier), and never match over unbounded lines.
import { InvalidInputError } from '../../../errors.js';

export const MAX_PATTERN_LENGTH = 512;
/** Lines longer than this are matched (and shown) only up to here. */
export const MAX_LINE_LENGTH = 2000;

const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/;

export interface CompiledPattern {
  name: string;
  regex: RegExp;
}

/** `(?i)` at the start asks for a case-insensitive match, as in Go and PCRE. */
export function compilePattern(
  name: string,
  source: string,
  field = `params.patterns.${name}`,
): CompiledPattern {
  if (source.length > MAX_PATTERN_LENGTH) {
    throw new InvalidInputError(field, `${field}: pattern longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  let body = source;
  let flags = '';
  if (body.startsWith('(?i)')) {
    body = body.slice(4);
    flags = 'i';
  }
  if (NESTED_QUANTIFIER.test(body)) {
    throw new InvalidInputError(
      field,
      `${field}: nested quantifiers such as (a+)+ can take exponential time; rewrite the pattern`,
    );
  }
  try {
    return { name, regex: new RegExp(body, flags) };
  } catch (err) {
    throw new InvalidInputError(field, `${field}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function compilePatterns(patterns: Record<string, string>): CompiledPattern[] {
  return Object.entries(patterns).map(([name, source]) => compilePattern(name, source));
}
