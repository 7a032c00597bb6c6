// `perfbot list` and `perfbot status`: the same commands as /perf, printed as text (or the
// reply's data as JSON). Kept out of index.ts, the /perf registry, so these two load only what
// they run: `list` needs nothing but the playbooks, `status` adds Redis.
import type { CommandContext } from '../src/chat/command.js';
import { renderPlain } from '../src/chat/plain.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { PlaybookCatalog } from '../src/playbooks/catalog.js';
import { loadPlaybooksOrThrow } from '../src/playbooks/loader.js';
import { guarded } from './access.js';
import { connectOnce, type Io } from './io.js';
import { listCommand } from './list.js';
import { statusCommand } from './status.js';

export async function readCommandCli(
  name: 'list' | 'status',
  options: { json?: boolean | undefined },
  io: Io,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const config = loadConfig(env);
  const catalog = new PlaybookCatalog(await loadPlaybooksOrThrow(config.playbooksDir));
  const redis = name === 'status' ? await connectOnce(config.redisUrl, config.redisUrlExplicit) : undefined;
  try {
    const ctx: CommandContext = {
      catalog,
      invoker: { kind: 'cli', user: env.USER ?? 'cli' },
      now: () => new Date(),
      log: silentLogger,
    };
    if (redis) {
      const [{ IncidentStore }, { incidentDirectory }] = await Promise.all([
        import('../src/incidents/store.js'),
        import('../src/chat/command.js'),
      ]);
      ctx.incidents = incidentDirectory(new IncidentStore({ redis, timeoutMs: 3000 }));
    }
    const r = await guarded(name === 'list' ? listCommand : statusCommand).run([], ctx);
    if (options.json && r.data !== undefined) io.out(JSON.stringify(r.data, null, 2));
    else (r.exitCode === 0 ? io.out : io.err)(r.text ?? renderPlain(r.message));
    return r.exitCode;
  } finally {
    redis?.disconnect();
  }
}
