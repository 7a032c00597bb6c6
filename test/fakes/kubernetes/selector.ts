// Label selectors as the API server parses them: `a=b`, `a==b`, `a!=b`, `a`, `!a`,
// `a in (x,y)`, `a notin (x)`, comma-separated (commas inside parentheses belong to the set).

type Requirement = (labels: Record<string, string>) => boolean;

function split(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

function requirement(text: string): Requirement {
  let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(text);
  if (m) {
    const [, key = '', op, list = ''] = m;
    const values = new Set(list.split(',').map((v) => v.trim()));
    return op === 'in'
      ? (l) => l[key] !== undefined && values.has(l[key])
      : (l) => l[key] === undefined || !values.has(l[key]);
  }
  m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (m) {
    const [, key = '', op, value = ''] = m;
    return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  if (text.startsWith('!')) return (l) => l[text.slice(1)] === undefined;
  if (/^[^=!\s()]+$/.test(text)) return (l) => l[text] !== undefined;
  throw new Error(`unable to parse requirement: ${text}`);
}

/** Throws on a malformed selector (the server answers 400). */
export function parseSelector(selector: string | null): Requirement {
  if (!selector) return () => true;
  const reqs = split(selector).map(requirement);
  return (labels) => reqs.every((r) => r(labels));
}
