// Reads playbooks/*.yml into validated Playbooks. Every problem is reported with the line it
// is on (YAML syntax, schema, per-kind parameters, cross-references), all at once, so an author
// fixes a file in one pass.
//
// Two YAML parsers, for speed: js-yaml reads a file in ~40 ms where `yaml` takes ~160 ms cold
// (most of `perfbot validate`'s start-up), but only `yaml` keeps the source positions that
// `file:line: message` needs. So js-yaml reads, and `yaml` is loaded only when there is a
// problem to locate or a syntax error to describe. Both use the YAML 1.2 core schema (no
// timestamps, no merge keys), so they agree on every value.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { CORE_SCHEMA, load } from 'js-yaml';
import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { PlaybookError, type PlaybookProblem } from '../errors.js';
import { ACTION_PARAMS, CHECK_PARAMS } from './kinds.js';
import { placeholdersIn, withStandIns } from './placeholders.js';
import { type LoadedPlaybook, Playbook } from './schema.js';
import { crossReferenceProblems } from './validate.js';

type Path = readonly (string | number)[];
type YamlLib = typeof import('yaml');

const require = createRequire(import.meta.url);
let yamlLib: YamlLib | undefined;
/** `yaml`, loaded synchronously on first need (its CommonJS build). */
function yaml(): YamlLib {
  yamlLib ??= require('yaml') as YamlLib;
  return yamlLib;
}

function parseWithPositions(text: string): { doc: Document; lines: LineCounter } {
  const { LineCounter: Lines, parseDocument } = yaml();
  const lines = new Lines();
  return { doc: parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true }), lines };
}

/**
 * Locates a path of the parsed document; falls back to the nearest existing ancestor. The
 * positions are parsed on the first look-up: a valid file never needs them.
 */
export class SourceMap {
  private parsed: { doc: Document; lines: LineCounter } | undefined;
  constructor(private readonly text: string) {}

  line(path: Path): number {
    this.parsed ??= parseWithPositions(this.text);
    const { doc, lines } = this.parsed;
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
    }
    return 1;
  }
}

export interface ParsedFile {
  playbook: LoadedPlaybook | undefined;
  problems: PlaybookProblem[];
  source: SourceMap | undefined;
}

/** Parses one file's text; `file` is only used in messages. */
export function parsePlaybookText(text: string, file: string): ParsedFile {
  let raw: unknown;
  try {
    raw = load(text, { schema: CORE_SCHEMA, filename: file });
  } catch {
    // Syntax errors (and duplicate keys) are described by `yaml`, which reports them all.
    const { doc, lines } = parseWithPositions(text);
    if (doc.errors.length > 0) {
      const problems = doc.errors.map((e) => ({
        file,
        line: e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line,
        message: `YAML: ${e.message.split('\n')[0]}`,
      }));
      return { playbook: undefined, source: undefined, problems };
    }
    raw = doc.toJS(); // what js-yaml refused and `yaml` reads (none known): `yaml` decides
  }
  const source = new SourceMap(text);
  const problems: PlaybookProblem[] = [];
  const at = (path: Path, message: string) => problems.push({ file, line: source.line(path), message });

  const parsed = Playbook.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) at(keyPath(issue), describe(issue.path as Path, issue.message));
    return { playbook: undefined, problems, source };
  }
  const playbook: LoadedPlaybook = { ...parsed.data, file };

  // Per-kind parameters, located under checks[i].params / remediations[i].params.
  playbook.checks.forEach((check, i) => {
    // Parameters with ${VAR} placeholders are checked with stand-ins and kept as written: the
    // engine fills and validates them again when the check runs.
    const templated = placeholdersIn(check.params).size > 0;
    const result = validateParams(
      CHECK_PARAMS[check.kind],
      templated ? withStandIns(check.params) : check.params,
    );
    if (result.ok) {
      if (!templated) check.params = result.value;
    } else
      for (const [p, m, loc] of result.issues)
        at(['checks', i, 'params', ...loc], `${check.kind}: ${describe(p, m)}`);
  });
  playbook.remediations.forEach((rem, i) => {
    const result = validateParams(ACTION_PARAMS[rem.action], rem.params);
    if (result.ok) rem.params = result.value;
    else
      for (const [p, m, loc] of result.issues)
        at(['remediations', i, 'params', ...loc], `${rem.action}: ${describe(p, m)}`);
  });
  for (const problem of crossReferenceProblems(playbook)) at(problem.path, problem.message);
  return { playbook: problems.length === 0 ? playbook : undefined, problems, source };
}

function validateParams(
  schema: z.ZodType,
  params: unknown,
): { ok: true; value: Record<string, unknown> } | { ok: false; issues: [Path, string, Path][] } {
  const r = schema.safeParse(params);
  if (r.success) return { ok: true, value: r.data as Record<string, unknown> };
  return { ok: false, issues: r.error.issues.map((i) => [i.path as Path, i.message, keyPath(i)]) };
}

/**
 * Where to point for an issue. zod files an unknown key under the object holding it, which would
 * send the author to the object's first line; the line to fix is the key's own.
 */
function keyPath(issue: { path: PropertyKey[]; code?: string; keys?: string[] }): Path {
  const path = issue.path as Path;
  const key = issue.code === 'unrecognized_keys' ? issue.keys?.[0] : undefined;
  return key === undefined ? path : [...path, key];
}

function describe(path: Path, message: string): string {
  return path.length === 0 ? message : `${path.join('.')}: ${message}`;
}

export interface LoadResult {
  playbooks: LoadedPlaybook[];
  problems: PlaybookProblem[];
}

/** Loads every *.yml / *.yaml directly in `dir` (alert rules live in a subfolder). */
export async function loadPlaybookDir(dir: string, cwd: string = process.cwd()): Promise<LoadResult> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isFile() && /\.ya?ml$/.test(d.name))
      .map((d) => d.name)
      .sort();
  } catch (err) {
    return {
      playbooks: [],
      problems: [{ file: dir, line: 1, message: `cannot read playbook folder: ${(err as Error).message}` }],
    };
  }
  const playbooks: LoadedPlaybook[] = [];
  const problems: PlaybookProblem[] = [];
  const sources = new Map<string, SourceMap>();
  for (const name of names) {
    const path = join(dir, name);
    const file = relative(cwd, path) || path;
    const parsed = parsePlaybookText(await readFile(path, 'utf8'), file);
    problems.push(...parsed.problems);
    if (parsed.playbook) playbooks.push(parsed.playbook);
    if (parsed.source) sources.set(file, parsed.source);
  }
  problems.push(...namesAcrossPlaybooks(playbooks, sources));
  if (names.length === 0) problems.push({ file: dir, line: 1, message: 'no playbooks (*.yml) found' });
  return { playbooks, problems };
}

/** Ids and aliases must be unique across all playbooks: `/perf diagnose X` must mean one thing. */
function namesAcrossPlaybooks(
  playbooks: LoadedPlaybook[],
  sources: Map<string, SourceMap>,
): PlaybookProblem[] {
  const owner = new Map<string, LoadedPlaybook>();
  const problems: PlaybookProblem[] = [];
  for (const pb of playbooks) {
    const names: [string, Path][] = [
      [pb.id, ['id']],
      ...pb.aliases.map((a, i): [string, Path] => [a, ['aliases', i]]),
    ];
    for (const [name, path] of names) {
      const first = owner.get(name);
      if (first && first !== pb) {
        const line = sources.get(pb.file)?.line(path) ?? 1;
        problems.push({
          file: pb.file,
          line,
          message: `name "${name}" is already used by playbook ${first.id} (${first.file})`,
        });
      } else owner.set(name, pb);
    }
  }
  return problems;
}

/** Loads and throws one PlaybookError listing every problem: the server refuses to start. */
export async function loadPlaybooksOrThrow(dir: string): Promise<LoadedPlaybook[]> {
  const { playbooks, problems } = await loadPlaybookDir(dir);
  if (problems.length > 0) throw new PlaybookError(problems);
  return playbooks;
}
