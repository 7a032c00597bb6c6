// README.md's "Try it", run as a reader would: every request of its second shell block, as
// written, against a real `perfbot serve` (built CLI, child process, private redis-server), each
// answer compared with the one the README prints under it (`# → …`, where `…` is anything).
// Only the address changes (localhost:3000 → the test server's free port), and `npx perfbot`
// runs this package's bin/perfbot.js directly, which is what npx resolves it to.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded.js';
import { ensureBuilt, type PerfbotProcess, startPerfbot } from '../support/perfbot-process.js';
import { skipWithout } from '../support/servers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface ReadmeRequest {
  command: string;
  expected: string | undefined;
}

/** The ```sh blocks of the `## Try it` section, in order. */
function tryItBlocks(markdown: string): string[] {
  const start = markdown.indexOf('\n## Try it\n');
  if (start < 0) throw new Error('README.md has no "## Try it" section');
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

/** Shell commands (a quoted argument may span lines), each with the `# → ` answer under it. */
function requests(block: string): ReadmeRequest[] {
  const out: ReadmeRequest[] = [];
  let open: string[] | undefined;
  for (const line of block.split('\n')) {
    if (open) {
      open.push(line);
      if (quotesBalanced(open.join('\n'))) {
        out.push({ command: open.join('\n'), expected: undefined });
        open = undefined;
      }
      continue;
    }
    const answer = /^# → (.*)$/.exec(line);
    if (answer) {
      const last = out.at(-1);
      if (!last || last.expected !== undefined) throw new Error(`answer without a request: ${line}`);
      last.expected = answer[1];
      continue;
    }
    if (line.trim() === '' || line.startsWith('#')) continue;
    if (quotesBalanced(line)) out.push({ command: line, expected: undefined });
    else open = [line];
  }
  if (open) throw new Error(`unterminated quote in: ${open.join('\n')}`);
  return out;
}

const quotesBalanced = (text: string) => (text.split("'").length - 1) % 2 === 0;

/** `…` matches anything (also across lines); everything else literally; the whole output. */
function matchesAnswer(output: string, expected: string): boolean {
  const pattern = expected
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*');
  return new RegExp(`^${pattern}$`).test(output);
}

describe('README "Try it" parsing', () => {
  it('finds the bot command, then requests that each have an answer', () => {
    const [bot, session] = tryItBlocks(README);
    expect(bot?.trim()).toBe('npm ci && npm start');
    const list = requests(session ?? '');
    expect(list.length).toBeGreaterThanOrEqual(6);
    for (const r of list) expect(r.expected, r.command).toBeDefined();
    expect(list.filter((r) => r.command.startsWith('curl ')).length).toBeGreaterThanOrEqual(3);
  });

  it('matches answers with … as a wildcard', () => {
    expect(matchesAnswer('{"accepted":1,"incidents":["inc-1"]}', '{"accepted":1,"incidents":["…"]}')).toBe(
      true,
    );
    expect(matchesAnswer('{"accepted":2,"incidents":["inc-1"]}', '{"accepted":1,"incidents":["…"]}')).toBe(
      false,
    );
    expect(matchesAnswer('3 entries, chain intact', '…entries, chain intact')).toBe(true);
    expect(matchesAnswer('a\nb S3X c\nd', '…S3X…')).toBe(true);
  });
});

describe.skipIf(skipWithout('curl') || skipWithout('redis-server'))(
  'README "Try it" against perfbot serve',
  () => {
    let redis: EmbeddedRedis;
    let perfbot: PerfbotProcess;

    beforeAll(async () => {
      await ensureBuilt();
      redis = await startEmbeddedRedis();
      perfbot = await startPerfbot({ REDIS_URL: redis.url });
    }, 120_000);

    afterAll(async () => {
      await perfbot?.stop();
      await redis?.stop();
    });

    it('every request gets the answer the README prints under it', { timeout: 180_000 }, async () => {
      const session = tryItBlocks(README)[1] ?? '';
      const port = new URL(perfbot.url).port;
      for (const { command, expected } of requests(session)) {
        const shell = command
          .replaceAll('localhost:3000', `127.0.0.1:${port}`)
          .replace(/^npx perfbot /, `${JSON.stringify(process.execPath)} bin/perfbot.js `);
        const r = spawnSync('sh', ['-c', shell], {
          cwd: ROOT,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', REDIS_URL: redis.url },
          timeout: 120_000,
        });
        const output = r.stdout.trim();
        expect(r.status, `${command}\n${r.stderr}`).toBe(0);
        expect(
          matchesAnswer(output, expected ?? ''),
          `${command}\n  answered: ${output}\n  README:   ${expected}`,
        ).toBe(true);
      }
    });
  },
);
