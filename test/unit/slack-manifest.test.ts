import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SLACK_EVENTS_PATH } from '../../src/chat/slack/receiver.js';

interface Manifest {
  features: { slash_commands: { command: string; url: string }[]; bot_user: { display_name: string } };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string }; socket_mode_enabled: boolean };
}

describe('Slack app manifest', () => {
  it('routes /perf and interactivity to POST /slack/events, with the scopes perfbot uses, Socket Mode off', async () => {
    const m = parse(await readFile('manifest.yml', 'utf8')) as Manifest;
    const [perf] = m.features.slash_commands;
    expect(perf?.command).toBe('/perf');
    expect(new URL(perf?.url ?? '').pathname).toBe(SLACK_EVENTS_PATH);
    expect(m.settings.interactivity).toMatchObject({ is_enabled: true, request_url: perf?.url });
    expect(m.settings.socket_mode_enabled).toBe(false);
    expect(m.oauth_config.scopes.bot.sort()).toEqual(
      [
        'chat:write',
        'chat:write.public',
        'commands',
        'files:write',
        'usergroups:read',
        'channels:history',
        'groups:history',
      ].sort(),
    );
  });
});
