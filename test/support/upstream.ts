// The senders' own payloads (test/fixtures/upstream/index.json) and a real perfbot server to post
// them to: one server per fixture on a fresh key prefix, so each fixture's incident is its own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { IncidentStore } from '../../src/incidents/store.js';
import type { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { buildServer } from '../../src/server.js';
import { testDeps } from './intake.js';

export const UPSTREAM_DIR = join(import.meta.dirname, '..', 'fixtures', 'upstream');

export interface UpstreamEntry {
  id: string;
  file: string;
  /** The perfbot route it is posted to; null for files that are not requests (certificates). */
  route: string | null;
  form: string;
  origin: { repository: string; path: string; commit: string; section?: string };
  signature?: string;
  notes?: string;
  /** For alertContext-only samples: the documented payload they are posted inside. */
  envelope?: { base: string; essentials: Record<string, unknown>; drop: string[] };
}

export function upstreamIndex(): UpstreamEntry[] {
  const index = JSON.parse(readFileSync(join(UPSTREAM_DIR, 'index.json'), 'utf8')) as {
    fixtures: UpstreamEntry[];
  };
  return index.fixtures;
}

export function upstreamEntries(route: string): UpstreamEntry[] {
  return upstreamIndex().filter((e) => e.route === route);
}

export function readUpstreamText(file: string): string {
  return readFileSync(join(UPSTREAM_DIR, file), 'utf8');
}

export function readUpstream<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readUpstreamText(file)) as T;
}

type Json = Record<string, unknown>;

/** The request body for an entry: the file itself, or an alertContext inside its envelope. */
export function upstreamBody(entry: UpstreamEntry): Json {
  const own = readUpstream(entry.file);
  if (!entry.envelope) return own;
  const base = readUpstream<{ schemaId: string; data: Json & { essentials: Json } }>(entry.envelope.base);
  const essentials: Json = { ...base.data.essentials, ...entry.envelope.essentials };
  const data: Json = { ...base.data, essentials, alertContext: own.alertContext };
  for (const key of entry.envelope.drop) {
    delete essentials[key];
    delete data[key];
  }
  return { schemaId: base.schemaId, data };
}

export interface UpstreamServer {
  url: string;
  store: IncidentStore;
  post(route: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

let prefixes = 0;

/** A perfbot HTTP server on a loopback port, with the given catalog, clock, env and fetch. */
export async function startUpstreamServer(options: {
  redis: Redis;
  prefix: string;
  catalog: PlaybookCatalog;
  now?: () => Date;
  env?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
}): Promise<UpstreamServer> {
  prefixes += 1;
  const deps = testDeps({ ...options, prefix: `${options.prefix}${prefixes}:` });
  const app = await buildServer(deps);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    store: deps.incidents,
    post: (route, body, headers = { 'content-type': 'application/json' }) =>
      fetch(`${url}${route}`, {
        method: 'POST',
        headers,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    close: () => app.close(),
  };
}
