// Edit one dotted key path in a YAML or JSON document held in a ConfigMap, keeping its format.
// YAML goes through the `yaml` Document API and edits the scalar node in place, so comments
// (including the one on the edited line) and key order survive the round trip.
import { isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import { InvalidInputError } from '../../../errors.js';

export type DocumentFormat = 'yaml' | 'json';
export type ScalarValue = string | number | boolean;

export interface DocumentEdit {
  format: DocumentFormat;
  /** undefined when the path was not set. */
  before: unknown;
  after: ScalarValue;
  text: string;
  changed: boolean;
}

const FIELD = 'params.path';

export function detectFormat(key: string, text: string): DocumentFormat {
  if (/\.json$/i.test(key)) return 'json';
  if (/\.ya?ml$/i.test(key)) return 'yaml';
  const head = text.trimStart()[0];
  if (head === '{' || head === '[') {
    try {
      JSON.parse(text);
      return 'json';
    } catch {
      return 'yaml';
    }
  }
  return 'yaml';
}

function yamlParent(root: unknown, segments: string[], path: string): YAMLMap {
  if (!isMap(root)) throw new InvalidInputError(FIELD, `${path}: the document is not a mapping`);
  let node: YAMLMap = root;
  for (const [i, seg] of segments.entries()) {
    const child: unknown = node.get(seg, true);
    const at = segments.slice(0, i + 1).join('.');
    if (child === undefined) throw new InvalidInputError(FIELD, `${path}: ${at} is not set`);
    if (!isMap(child)) throw new InvalidInputError(FIELD, `${path}: ${at} is not a mapping`);
    node = child;
  }
  return node;
}

function editYaml(text: string, path: string, value: ScalarValue): DocumentEdit {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new InvalidInputError('params.key', `not valid YAML: ${doc.errors[0]?.message ?? 'parse error'}`);
  }
  const segments = path.split('.');
  const leaf = segments.pop() as string;
  const parent = yamlParent(doc.contents, segments, path);
  const node: unknown = parent.get(leaf, true);
  let before: unknown;
  if (node === undefined) {
    parent.set(doc.createNode(leaf), doc.createNode(value));
  } else if (isScalar(node)) {
    before = node.value;
    if (before === value) return { format: 'yaml', before, after: value, text, changed: false };
    node.value = value;
  } else {
    throw new InvalidInputError(FIELD, `${path}: holds a collection, not a single value`);
  }
  return { format: 'yaml', before, after: value, text: doc.toString({ lineWidth: 0 }), changed: true };
}

function editJson(text: string, path: string, value: ScalarValue): DocumentEdit {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(
      'params.key',
      `not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const segments = path.split('.');
  const leaf = segments.pop() as string;
  let node = root;
  for (const [i, seg] of ['', ...segments].entries()) {
    if (i > 0) node = (node as Record<string, unknown>)[seg];
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      const at = i === 0 ? 'the document' : segments.slice(0, i).join('.');
      throw new InvalidInputError(FIELD, `${path}: ${at} is not an object`);
    }
  }
  const parent = node as Record<string, unknown>;
  const before = Object.hasOwn(parent, leaf) ? parent[leaf] : undefined;
  if (before !== undefined && before !== null && typeof before === 'object') {
    throw new InvalidInputError(FIELD, `${path}: holds a collection, not a single value`);
  }
  if (before === value) return { format: 'json', before, after: value, text, changed: false };
  parent[leaf] = value;
  // Keep the document's indentation and trailing newline.
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '';
  const out = JSON.stringify(root, null, indent) + (text.endsWith('\n') ? '\n' : '');
  return { format: 'json', before, after: value, text: out, changed: true };
}

export function setDocumentPath(key: string, text: string, path: string, value: ScalarValue): DocumentEdit {
  return detectFormat(key, text) === 'json' ? editJson(text, path, value) : editYaml(text, path, value);
}

export function formatValue(value: unknown): string {
  if (value === undefined) return '(unset)';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
