// What happens to an incident, whether or not anyone renders it: an incident of a playbook is
// diagnosed once (across replicas and redeliveries), the diagnosis is recorded in the audit
// trail, its remediations become stored proposals, and every step is published as a response
// event for the surfaces to draw. `/perf diagnose` enters here too.
import { randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/record.js';
import type { AuditSink } from '../audit/types.js';
import { type DiagnosisRun, resolveNamespace, runDiagnosis } from '../diagnostics/engine.js';
import { worstStatus } from '../diagnostics/status.js';
import { errorMessage } from '../errors.js';
import type { IncidentEvent } from '../incidents/events.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Incident } from '../incidents/types.js';
import type { BackendSource } from '../integrations/backends.js';
import type { CheckSource } from '../integrations/registry.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { PlaybookCatalog } from '../playbooks/catalog.js';
import { DNS1123_LABEL } from '../playbooks/kinds.js';
import { allowedNamespace } from '../playbooks/namespaces.js';
import type { LoadedPlaybook, Playbook } from '../playbooks/schema.js';
import type { ProposedRemediation } from '../remediation/proposals.js';
import { diagnosisAuditDetails } from '../timeline/record.js';
import type { DiagnosisStore } from './diagnoses.js';
import type { DiagnosisOrigin, ResponseEvents } from './events.js';
import { Limiter } from './limiter.js';

export type ProposeFromDiagnosis = (input: {
  playbook: LoadedPlaybook;
  incidentId: string;
  namespace: string;
  requester: string;
  diagnosis: DiagnosisRun['diagnosis'];
  /** `/perf diagnose … --override-cooldown`: approvers may override a cooldown (one more approval). */
  overrideCooldown?: boolean | undefined;
}) => Promise<ProposedRemediation[]>;

export interface ResponderDeps {
  incidents: Pick<IncidentStore, 'get'>;
  catalog: PlaybookCatalog;
  checks: CheckSource;
  backends: BackendSource;
  diagnoses: DiagnosisStore;
  events: ResponseEvents;
  audit: AuditSink;
  propose: ProposeFromDiagnosis;
  /** Restarts the incident's settle time (a new alert name after it asks for a re-diagnosis). */
  markDiagnosed?: ((incidentId: string) => Promise<unknown>) | undefined;
  log: Logger;
  now: () => Date;
  metrics?: Pick<Metrics, 'checksRun' | 'checkDuration'> | undefined;
  deadlineMs?: number | undefined;
  /** Diagnoses running at once in this process; more wait (the outbox keeps them). */
  concurrency?: number | undefined;
}

export interface DiagnoseRequest {
  playbook: LoadedPlaybook;
  namespace?: string | undefined;
  /** A manual diagnosis gets an incident ID of its own (its proposals belong to it). */
  incidentId?: string | undefined;
  requester: string;
  origin: DiagnosisOrigin;
  channel?: string | undefined;
  /** Asks approvers to override a cooldown instead of blocking the proposal. */
  overrideCooldown?: boolean | undefined;
}

export class Responder {
  private readonly limiter: Limiter;
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly deps: ResponderDeps) {
    this.limiter = new Limiter(deps.concurrency ?? 8);
  }

  /**
   * The incident outbox's handler (consumer group "response"). Resolves once the diagnosis has
   * a slot: a storm waits in Redis, not in this process's memory.
   */
  async handleIncidentEvent(event: Pick<IncidentEvent, 'type' | 'incidentId' | 'at'>): Promise<void> {
    // `opened`: the first diagnosis. `rediagnose`: new alert names joined after the last one had
    // settled (the incident script emits it once per change of the firing set).
    if (event.type !== 'opened' && event.type !== 'rediagnose') return;
    const incident = await this.deps.incidents.get(event.incidentId);
    if (!incident?.playbookId) return;
    // A re-diagnosis of what has resolved meanwhile would only propose what cannot be approved.
    if (event.type === 'rediagnose' && incident.status === 'resolved') return;
    const playbook = this.deps.catalog.find(incident.playbookId);
    if (!playbook) {
      this.deps.log.warn(
        { incident: incident.id, playbook: incident.playbookId },
        'incident names an unknown playbook',
      );
      return;
    }
    const diagnosisId = newDiagnosisId(this.deps.now());
    // Once per incident (or per re-diagnosis event) across replicas and redeliveries.
    const claim = event.type === 'opened' ? incident.id : `${incident.id}:rediagnose:${event.at}`;
    if (!(await this.deps.diagnoses.claimIncident(claim, diagnosisId))) return;
    // An alert's label never aims the bot outside the playbook's namespaces: the refusal is
    // audited (when the incident opens) and the playbook's own namespace is diagnosed instead.
    const { namespace, refused } = incidentNamespace(playbook, incident);
    if (refused && event.type === 'opened')
      await this.audit({
        actor: 'system',
        event: 'namespace.refused',
        incident: incident.id,
        details: {
          playbook: playbook.id,
          namespace: refused.namespace,
          reason: refused.reason,
          diagnosed: playbook.target.namespace,
        },
      });
    await this.limiter.acquire();
    this.track(
      this.run(diagnosisId, {
        playbook,
        namespace,
        incidentId: incident.id,
        requester: 'system',
        origin: event.type === 'opened' ? 'incident' : 'rerun',
      }).finally(() => this.limiter.release()),
    );
  }

  /** `/perf diagnose`, a re-run: starts now and returns the diagnosis ID. */
  diagnose(request: DiagnoseRequest): string {
    // Validated before anything is published: a bad namespace is the caller's error to show.
    resolveNamespace(request.playbook, request.namespace);
    const diagnosisId = newDiagnosisId(this.deps.now());
    this.track(
      this.run(diagnosisId, {
        ...request,
        incidentId: request.incidentId ?? `manual-${diagnosisId.slice(2)}`,
      }),
    );
    return diagnosisId;
  }

  /** Every diagnosis started here finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async run(diagnosisId: string, request: DiagnoseRequest & { incidentId: string }): Promise<void> {
    const { deps } = this;
    const { playbook, incidentId, requester } = request;
    const namespace = resolveNamespace(playbook, request.namespace);
    const ref = { diagnosisId, incidentId };
    await deps.diagnoses.begin({
      id: diagnosisId,
      incidentId,
      playbookId: playbook.id,
      namespace,
      requester,
      origin: request.origin,
      channel: request.channel,
      startedAt: deps.now().toISOString(),
    });
    await deps.events.emit({
      type: 'diagnosis.started',
      ...ref,
      playbookId: playbook.id,
      namespace,
      requester,
      origin: request.origin,
      channel: request.channel,
    });
    await this.audit({
      actor: requester,
      event: 'diagnosis.started',
      incident: incidentId,
      details: { diagnosis: diagnosisId, playbook: playbook.id, namespace, origin: request.origin },
    });
    let run: DiagnosisRun;
    try {
      const writes: Promise<unknown>[] = [];
      run = await runDiagnosis({
        playbook,
        namespace,
        backends: deps.backends,
        checks: deps.checks,
        log: deps.log,
        now: deps.now,
        deadlineMs: deps.deadlineMs,
        metrics: deps.metrics,
        onProgress: (result, done, total) => {
          writes.push(
            deps.diagnoses
              .addResult(diagnosisId, done, result)
              .then(() =>
                deps.events.emit({
                  type: 'diagnosis.progress',
                  ...ref,
                  checkId: result.checkId,
                  status: result.status,
                  done,
                  total,
                }),
              )
              .catch((err: unknown) =>
                deps.log.warn({ err, diagnosis: diagnosisId }, 'progress not recorded'),
              ),
          );
        },
      });
      await Promise.all(writes);
      await deps.diagnoses.finish(diagnosisId, run);
    } catch (err) {
      const error = errorMessage(err);
      deps.log.error({ err, incident: incidentId, diagnosis: diagnosisId }, 'diagnosis failed');
      await deps.diagnoses.fail(diagnosisId, error).catch(() => {});
      await this.audit({
        actor: requester,
        event: 'diagnosis.failed',
        incident: incidentId,
        details: { diagnosis: diagnosisId, error },
      });
      await deps.events.emit({ type: 'diagnosis.failed', ...ref, error });
      return;
    }
    const bottlenecks = run.diagnosis.bottlenecks.map((b) => b.name);
    const status = worstStatus(run.checks.map((c) => c.status));
    // The bottleneck and the key values (checks not ok, with their values): the timeline tells them.
    await this.audit({
      actor: requester,
      event: 'diagnosis.done',
      incident: incidentId,
      details: {
        diagnosis: diagnosisId,
        ...diagnosisAuditDetails({
          playbook,
          namespace,
          status,
          durationMs: run.durationMs,
          checks: run.checks,
          diagnosis: run.diagnosis,
        }),
      },
    });
    await deps.events.emit({ type: 'diagnosis.done', ...ref, status, bottlenecks });
    if (request.origin !== 'manual')
      await deps
        .markDiagnosed?.(incidentId)
        .catch((err: unknown) => deps.log.warn({ err, incident: incidentId }, 'settle time not restarted'));
    if (run.diagnosis.remediations.length > 0) await this.propose(ref, request, namespace, run);
  }

  private async propose(
    ref: { diagnosisId: string; incidentId: string },
    request: DiagnoseRequest & { incidentId: string },
    namespace: string,
    run: DiagnosisRun,
  ): Promise<void> {
    const { deps } = this;
    let proposed: ProposedRemediation[];
    try {
      proposed = await deps.propose({
        playbook: request.playbook,
        incidentId: request.incidentId,
        namespace,
        requester: request.requester,
        diagnosis: run.diagnosis,
        overrideCooldown: request.overrideCooldown,
      });
    } catch (err) {
      await deps.events.emit({
        type: 'proposal.skipped',
        ...ref,
        title: 'remediations',
        reason: errorMessage(err),
        noop: false,
      });
      return;
    }
    for (const p of proposed) {
      const outcome = p.outcome;
      if (!outcome)
        await deps.events.emit({
          type: 'proposal.skipped',
          ...ref,
          title: p.remediation.title,
          reason: p.error ?? 'unknown error',
          noop: false,
        });
      else if (outcome.status === 'noop')
        await deps.events.emit({
          type: 'proposal.skipped',
          ...ref,
          title: p.remediation.title,
          reason: outcome.preview,
          noop: true,
        });
      else
        await deps.events.emit({
          type: 'proposal.created',
          ...ref,
          proposalId: outcome.proposal.id,
          existed: outcome.status === 'exists',
        });
    }
  }

  /** The audit trail records; a failure to record never fails the response itself. */
  private audit(input: Parameters<AuditSink['append']>[0]): Promise<void> {
    return recordAudit(this.deps.audit, input, this.deps.log);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => this.deps.log.error({ err }, 'diagnosis crashed'));
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
  }
}

/** The namespace an incident's alerts name, if it is a valid one; the playbook's otherwise. */
export function namespaceOf(incident: Pick<Incident, 'alerts'>): string | undefined {
  const ns = incident.alerts.map((a) => a.labels.namespace).find((n) => n !== undefined);
  return ns && DNS1123_LABEL.test(ns) ? ns : undefined;
}

/**
 * Where an incident is diagnosed: its alerts' namespace when the playbook allows it, else the
 * playbook's own (undefined); `refused` says why the alerts' namespace was not followed.
 */
export function incidentNamespace(
  playbook: Playbook,
  incident: Pick<Incident, 'alerts'>,
): { namespace: string | undefined; refused?: { namespace: string; reason: string } } {
  const asked = namespaceOf(incident);
  if (asked === undefined) return { namespace: undefined };
  const bound = allowedNamespace(playbook, asked);
  return bound.ok
    ? { namespace: asked }
    : { namespace: undefined, refused: { namespace: asked, reason: bound.reason } };
}

export function newDiagnosisId(now: Date): string {
  return `d-${now.getTime().toString(36)}-${randomBytes(4).toString('hex')}`;
}
