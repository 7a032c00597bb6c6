// Bolt and the WebClient log through @slack/logger's interface; route them into pino so their
// lines are JSON, leveled and redacted like ours.
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../log.js';
import { redactText } from '../../log.js';

export function slackLogger(log: Logger): SlackLogger {
  const child = log.child({ component: 'slack' });
  // The WebClient logs request bodies at debug; they carry message text, never tokens, but
  // error strings may echo a URL, so free text still goes through redactText.
  const line = (msg: unknown[]) =>
    redactText(msg.map((m) => (typeof m === 'string' ? m : safeJson(m))).join(' '));
  let level: LogLevel = LogLevel.INFO;
  return {
    debug: (...msg: unknown[]) => child.debug(line(msg)),
    info: (...msg: unknown[]) => child.info(line(msg)),
    warn: (...msg: unknown[]) => child.warn(line(msg)),
    error: (...msg: unknown[]) => child.error(line(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

// Never throws: a logger that throws on a circular or null-prototype argument would turn a
// Slack error into a crash.
function safeJson(v: unknown): string {
  try {
    if (v instanceof Error) return String(v.message);
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
