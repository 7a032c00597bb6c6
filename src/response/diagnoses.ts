// Diagnoses as state in Redis: what was asked, each check result as it lands, the finished run.
// Renderers draw progress and reports from here (any replica, any order of events); the
// response layer is the only writer.
import type { Redis } from 'ioredis';
import type { DiagnosisRun } from '../diagnostics/engine.js';
import type { CheckResult } from '../diagnostics/types.js';
import type { DiagnosisOrigin } from './events.js';

export interface DiagnosisMeta {
  id: string;
  incidentId: string;
  playbookId: string;
  namespace: string;
  requester: string;
  origin: DiagnosisOrigin;
  channel?: string | undefined;
  startedAt: string;
}

export interface DiagnosisState {
  meta: DiagnosisMeta;
  status: 'running' | 'done' | 'failed';
  /** Finished checks so far, in the order they finished. */
  results: CheckResult[];
  run?: DiagnosisRun | undefined;
  error?: string | undefined;
}

const TTL_S = 30 * 24 * 3600;

export class DiagnosisStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async begin(meta: DiagnosisMeta): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(meta.id), 'meta', JSON.stringify(meta), 'status', 'running')
      .expire(this.key(meta.id), TTL_S)
      .exec();
  }

  async addResult(id: string, index: number, result: CheckResult): Promise<void> {
    // Zero-padded so HGETALL order does not matter: results are sorted by arrival index.
    await this.redis.hset(this.key(id), `r:${String(index).padStart(5, '0')}`, JSON.stringify(result));
  }

  async finish(id: string, run: DiagnosisRun): Promise<void> {
    await this.redis.hset(this.key(id), 'status', 'done', 'run', JSON.stringify(run));
  }

  async fail(id: string, error: string): Promise<void> {
    await this.redis.hset(this.key(id), 'status', 'failed', 'error', error);
  }

  async get(id: string): Promise<DiagnosisState | undefined> {
    const h = await this.redis.hgetall(this.key(id));
    if (!h.meta) return undefined;
    const results = Object.keys(h)
      .filter((k) => k.startsWith('r:'))
      .sort()
      .map((k) => JSON.parse(h[k] as string) as CheckResult);
    return {
      meta: JSON.parse(h.meta) as DiagnosisMeta,
      status: (h.status as DiagnosisState['status']) ?? 'running',
      results,
      ...(h.run ? { run: reviveRun(JSON.parse(h.run) as DiagnosisRun) } : {}),
      ...(h.error ? { error: h.error } : {}),
    };
  }

  /**
   * Claims the automatic diagnosis of an incident: true for exactly one caller across replicas
   * and redeliveries of the incident's `opened` event.
   */
  async claimIncident(incidentId: string, diagnosisId: string): Promise<boolean> {
    const ok = await this.redis.set(
      `${this.prefix}diagnosis-of:${incidentId}`,
      diagnosisId,
      'EX',
      TTL_S,
      'NX',
    );
    return ok === 'OK';
  }

  private key(id: string): string {
    return `${this.prefix}diagnosis:${id}`;
  }
}

function reviveRun(run: DiagnosisRun): DiagnosisRun {
  return { ...run, startedAt: new Date(run.startedAt), finishedAt: new Date(run.finishedAt) };
}
