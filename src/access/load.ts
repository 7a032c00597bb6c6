// Reads the PERFBOT_ACCESS file (YAML). A bad file stops the start with every problem and its
// line, like a bad playbook: permissions that silently fail open (or shut) are worse than none.
import { readFile } from 'node:fs/promises';
import { type Document, isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { AccessFile } from './schema.js';

export function parseAccessText(text: string, file: string): AccessFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map(
        (e) => `PERFBOT_ACCESS ${file}:${lines.linePos(e.pos[0]).line}: YAML: ${e.message.split('\n')[0]}`,
      ),
    );
  }
  const parsed = AccessFile.safeParse(doc.toJS() ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    // An unknown key is reported on the object holding it; point at the key itself.
    const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const path = (key === undefined ? issue.path : [...issue.path, key]) as (string | number)[];
    const where = path.length > 0 ? `${path.join('.')}: ` : '';
    return { line: lineOf(doc, lines, path), text: `${where}${issue.message}` };
  });
  throw new ConfigError(
    problems.sort((a, b) => a.line - b.line).map((p) => `PERFBOT_ACCESS ${file}:${p.line}: ${p.text}`),
  );
}

/** The line of a path's key (a misspelt key is on its own line), else of the nearest node. */
function lineOf(doc: Document, lines: LineCounter, path: (string | number)[]): number {
  for (let n = path.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
    if (isMap(parent)) {
      const pair = parent.items.find((i) => isScalar(i.key) && i.key.value === path[n - 1]);
      const range = isScalar(pair?.key) ? pair.key.range : undefined;
      if (range) return lines.linePos(range[0]).line;
    }
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lines.linePos(node.range[0]).line;
  }
  return 1;
}

export async function loadAccessFile(path: string): Promise<AccessFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`PERFBOT_ACCESS: cannot read ${path}: ${(err as Error).message}`]);
  }
  return parseAccessText(text, path);
}
