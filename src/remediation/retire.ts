// Proposals follow their incident: when it resolves (all alerts resolved, or resolved by hand),
// its pending proposals are retired — they can no longer be approved, their messages lose the
// buttons (the `proposal.retired` remediation event), and each retirement is audited once (the
// Lua transition tells exactly one caller that it retired it). The retirer reads the incident
// outbox through its own consumer group ("remediation"), so it runs whether or not anything
// renders the incident; an approval that races it is refused by the DECIDE script itself.
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { AuditSink } from '../audit/types.js';
import { consumeIncidentEvents } from '../incidents/events.js';
import type { Logger } from '../log.js';
import type { RemediationEvents } from './events.js';
import type { Proposal } from './proposal.js';
import { INCIDENT_RESOLVED, type ProposalStore } from './store.js';

export interface RetireDeps {
  store: ProposalStore;
  audit: AuditSink;
  events?: Pick<RemediationEvents, 'emit'> | undefined;
  log: Logger;
  now?: () => Date;
}

/** Retires the incident's pending proposals; returns those this call retired. */
export async function retireIncidentProposals(
  deps: RetireDeps,
  incidentId: string,
  reason = INCIDENT_RESOLVED,
): Promise<Proposal[]> {
  const now = deps.now ?? (() => new Date());
  const retired: Proposal[] = [];
  for (const id of await deps.store.proposalsOf(incidentId)) {
    if (!(await deps.store.retire(id, reason, now()))) continue;
    const proposal = await deps.store.get(id);
    if (!proposal) continue;
    retired.push(proposal);
    await deps.audit.append({
      actor: 'system',
      event: 'proposal.retired',
      incident: incidentId,
      proposal: id,
      details: { reason, remediation: proposal.remediationId, preview: proposal.preview },
    });
    await deps.events?.emit({ type: 'proposal.retired', proposal, reason });
  }
  if (retired.length > 0)
    deps.log.info({ incident: incidentId, retired: retired.length }, 'proposals retired');
  return retired;
}

export interface ProposalRetirerOptions extends RetireDeps {
  redis: Redis;
  /** The incident store's prefix (its outbox). */
  prefix?: string;
  consumer?: string;
}

/** Runs until stop(); a failed retirement leaves the event pending, so it is retried. */
export function startProposalRetirer(options: ProposalRetirerOptions): { stop(): Promise<void> } {
  const controller = new AbortController();
  const done = consumeIncidentEvents({
    redis: options.redis,
    prefix: options.prefix ?? 'perfbot:',
    group: 'remediation',
    consumer: options.consumer ?? `${hostname()}-${process.pid}`,
    signal: controller.signal,
    log: options.log,
    handler: async (event) => {
      if (event.type === 'resolved') await retireIncidentProposals(options, event.incidentId);
    },
  }).catch((err: unknown) => options.log.error({ err }, 'proposal retirer stopped'));
  return {
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}
