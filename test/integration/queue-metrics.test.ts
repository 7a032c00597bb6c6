// Queue depth and job outcomes of a real BullMQ queue and worker on the test Redis.
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics.js';
import { instrumentWorker } from '../../src/metrics-hooks.js';
import { testRedis } from '../support/redis.js';

const { url, prefix, redis } = testRedis();
const connection = new Redis(url, { maxRetriesPerRequest: null });
const bullPrefix = prefix.replace(/:$/, '');
const queue = new Queue('jobs', { connection, prefix: bullPrefix });

afterAll(async () => {
  await queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  connection.disconnect();
  redis.disconnect();
});

describe('queue metrics', () => {
  it('reports jobs per state of a watched queue', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.watchQueue('jobs', queue);
    await queue.add('run', { n: 1 }, { jobId: 'w1' });
    await queue.add('run', { n: 2 }, { jobId: 'w2' });
    await queue.add('verify', { n: 3 }, { jobId: 'd1', delay: 3_600_000 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('perfbot_queue_jobs{queue="jobs",state="waiting"} 2');
    expect(text).toContain('perfbot_queue_jobs{queue="jobs",state="delayed"} 1');
    expect(text).toContain('perfbot_queue_jobs{queue="jobs",state="active"} 0');
    await queue.obliterate({ force: true });
  });

  it('counts completed, retried and failed jobs by name', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const workerConnection = new Redis(url, { maxRetriesPerRequest: null });
    const tries = new Map<string, number>();
    // Typed like the remediation worker (a union of job names): instrumentWorker must accept it.
    const worker = new Worker<{ kind: string }, string, 'run' | 'verify'>(
      'jobs',
      async (job) => {
        const n = (tries.get(job.id ?? '') ?? 0) + 1;
        tries.set(job.id ?? '', n);
        if (job.data.kind === 'flaky' && n === 1) throw new Error('first try fails');
        if (job.data.kind === 'bad') throw new UnrecoverableError('never works');
        return 'ok';
      },
      { connection: workerConnection, prefix: bullPrefix, autorun: false },
    );
    instrumentWorker(metrics, 'jobs', worker);
    const settled = new Promise<void>((resolve) => {
      let done = 0;
      const one = () => {
        done++;
        if (done === 3) resolve();
      };
      worker.on('completed', one);
      worker.on('failed', (job) => {
        if (job?.finishedOn) one();
      });
    });
    await queue.add('run', { kind: 'fine' }, { jobId: 'fine' });
    await queue.add('run', { kind: 'flaky' }, { jobId: 'flaky', attempts: 2 });
    await queue.add('verify', { kind: 'bad' }, { jobId: 'bad', attempts: 3 });
    void worker.run();
    await settled;
    await worker.close();
    workerConnection.disconnect();

    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'perfbot_queue_jobs_finished_total{queue="jobs",name="run",outcome="completed"} 2',
    );
    expect(text).toContain('perfbot_queue_jobs_finished_total{queue="jobs",name="run",outcome="retried"} 1');
    expect(text).toContain(
      'perfbot_queue_jobs_finished_total{queue="jobs",name="verify",outcome="failed"} 1',
    );
  });
});
