// The one policy for audit entries written beside other work (a decision, a job, a refusal):
// the work stands even when its entry cannot be written — Redis holds the state — so a failed
// append is logged with what was lost and never fails the caller. The trail counts every failed
// append (perfbot_audit_append_failures_total) for the alert on it. Where losing the entry must
// stop the work (the incident recorder, which acknowledges its stream only once recorded),
// callers use `append` and let it throw.
import type { Logger } from '../log.js';
import type { AuditInput, AuditSink } from './types.js';

export async function recordAudit(sink: AuditSink, input: AuditInput, log: Logger): Promise<void> {
  try {
    await sink.append(input);
  } catch (err) {
    log.error(
      { err, event: input.event, incident: input.incident, proposal: input.proposal, actor: input.actor },
      'audit append failed: the entry is lost, the work it records stands',
    );
  }
}

/** How much of an outsider's raw value (a forged or mangled button value) an entry keeps. */
export const RAW_MAX = 64;

/**
 * A raw value for an entry's details under `name`, cut to RAW_MAX characters (it is whatever the
 * sender put there), with its full length as `<name>Length` when cut; nothing when absent.
 */
export function rawDetail(name: string, value: string | undefined): Record<string, string | number> {
  if (value === undefined) return {};
  return value.length > RAW_MAX
    ? { [name]: value.slice(0, RAW_MAX), [`${name}Length`]: value.length }
    : { [name]: value };
}
