// One diagnosis, told in a thread: a progress message edited in place as checks finish, then
// the report, a chart for each check with a time series, and the proposed remediations with
// their Approve / Deny buttons. Used for incident threads and for `/perf diagnose`.
import type { AuditSink } from '../audit/types.js';
import { byStatus } from '../diagnostics/status.js';
import type { CheckResult } from '../diagnostics/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { LoadedPlaybook } from '../playbooks/schema.js';
import type { Proposal } from '../remediation/proposal.js';
import type { ProposedRemediation } from '../remediation/proposals.js';
import { type ChartInput, hasChartData, renderChartPng } from './chart.js';
import { noopMessage, notProposedMessage, proposalMessage } from './proposal-message.js';
import type { ChatRefs } from './refs.js';
import type { DiagnosisReport } from './report.js';
import { chartLabels, progressMessage, reportDetailsMessage, reportMessage } from './report-message.js';
import type { ChatSink, MessageRef } from './sink.js';

export type Diagnose = (input: {
  playbook: LoadedPlaybook;
  namespace: string | undefined;
  onProgress: (result: CheckResult) => void;
}) => Promise<DiagnosisReport>;

export type ProposeRemediations = (input: {
  playbook: LoadedPlaybook;
  incidentId: string;
  namespace: string;
  requester: string;
  report: DiagnosisReport;
}) => Promise<ProposedRemediation[]>;

export interface DiagnosisThreadDeps {
  sink: ChatSink;
  diagnose: Diagnose;
  propose?: ProposeRemediations | undefined;
  refs?: ChatRefs | undefined;
  audit?: AuditSink | undefined;
  renderChart?: (input: ChartInput) => Promise<Buffer>;
  /** Charts per diagnosis; the worst checks first. */
  maxCharts?: number;
  log: Logger;
  now: () => Date;
}

export interface DiagnosisThreadInput {
  playbook: LoadedPlaybook;
  namespace: string | undefined;
  channel: string;
  threadTs: string;
  /** Proposals belong to an incident; a manual diagnosis gets its own ID. */
  incidentId: string;
  /** Slack user ID, or `system` for an alert. */
  requester: string;
}

export async function runDiagnosisThread(
  deps: DiagnosisThreadDeps,
  input: DiagnosisThreadInput,
): Promise<DiagnosisReport> {
  const { sink, log } = deps;
  const { channel, threadTs, playbook } = input;
  const done: CheckResult[] = [];
  const renderProgress = () =>
    progressMessage({
      playbookTitle: playbook.title,
      namespace: input.namespace ?? playbook.target.namespace,
      checks: playbook.checks,
      done,
    });
  // The checks start at once; the progress message catches up when the channel lets it.
  const progress = sink.post(channel, threadTs, renderProgress);
  // Every write is awaited at the end; a failure is reported there, not as an unhandled rejection.
  const writes: Promise<unknown>[] = [];
  const keep = (p: Promise<unknown>) => {
    p.catch(() => {});
    writes.push(p);
  };
  keep(progress);
  const report = await deps.diagnose({
    playbook,
    namespace: input.namespace,
    onProgress: (r) => {
      done.push(r);
      keep(progress.then((ref) => sink.update(ref, renderProgress)));
    },
  });
  const finalProgress = progress.then((ref) => sink.update(ref, renderProgress));
  const reported = sink.post(channel, threadTs, () => reportMessage(report));
  keep(finalProgress);
  keep(reported);
  // The checks the report collapsed, as a second message (a renderer may not show it).
  const details = reportDetailsMessage(report);
  if (details) keep(sink.post(channel, threadTs, () => details));
  await deps.audit
    ?.append({
      actor: input.requester,
      event: 'diagnosis.done',
      incident: input.incidentId,
      details: {
        playbook: playbook.id,
        namespace: report.namespace,
        status: report.status,
        bottlenecks: report.diagnosis.bottlenecks.map((b) => b.name),
        durationMs: report.durationMs,
      },
    })
    .catch((err: unknown) => log.error({ err }, 'audit append failed'));

  // Drawing charts takes the CPU for a while: only once the report is out.
  await reported.catch(() => undefined);
  await uploadCharts(deps, report, channel, threadTs, keep);
  if (deps.propose && report.diagnosis.remediations.length > 0) {
    await postProposals(deps, input, report, keep);
  }
  const results = await Promise.allSettled(writes);
  for (const r of results)
    if (r.status === 'rejected') log.error({ err: r.reason, channel, threadTs }, 'thread write failed');
  return report;
}

async function uploadCharts(
  deps: DiagnosisThreadDeps,
  report: DiagnosisReport,
  channel: string,
  threadTs: string,
  keep: (p: Promise<unknown>) => void,
): Promise<void> {
  const render = deps.renderChart ?? renderChartPng;
  const charted = report.checks
    .filter((c) => hasChartData(c.evidence?.series))
    .sort(byStatus)
    .slice(0, deps.maxCharts ?? 4);
  for (const c of charted) {
    try {
      const data = await render({
        title: c.title,
        series: c.evidence?.series ?? [],
        unit: c.unit,
        thresholds: c.thresholds,
      });
      keep(
        deps.sink.upload(channel, threadTs, {
          filename: `${c.checkId}.png`,
          ...chartLabels(c),
          data,
        }),
      );
    } catch (err) {
      deps.log.warn({ err, checkId: c.checkId }, 'chart not rendered');
    }
  }
}

async function postProposals(
  deps: DiagnosisThreadDeps,
  input: DiagnosisThreadInput,
  report: DiagnosisReport,
  keep: (p: Promise<unknown>) => void,
): Promise<void> {
  const { sink } = deps;
  const { channel, threadTs } = input;
  let proposed: ProposedRemediation[];
  try {
    proposed = await (deps.propose as ProposeRemediations)({
      playbook: input.playbook,
      incidentId: input.incidentId,
      namespace: report.namespace,
      requester: input.requester,
      report,
    });
  } catch (err) {
    keep(sink.post(channel, threadTs, () => notProposedMessage('remediations', errorMessage(err))));
    return;
  }
  for (const p of proposed) {
    const outcome = p.outcome;
    if (!outcome) {
      keep(
        sink.post(channel, threadTs, () =>
          notProposedMessage(p.remediation.title, p.error ?? 'unknown error'),
        ),
      );
    } else if (outcome.status === 'noop') {
      keep(sink.post(channel, threadTs, () => noopMessage(p.remediation.title, outcome.preview)));
    } else {
      keep(postProposal(deps, outcome.proposal, channel, threadTs, outcome.status === 'exists'));
    }
  }
}

async function postProposal(
  deps: DiagnosisThreadDeps,
  proposal: Proposal,
  channel: string,
  threadTs: string,
  exists: boolean,
): Promise<MessageRef | undefined> {
  // The same remediation proposed again for the incident (a second diagnosis): its message is
  // already in the thread, with its buttons.
  if (exists && (await deps.refs?.proposalMessage(proposal.id))) return undefined;
  const ref = await deps.sink.post(channel, threadTs, () => proposalMessage(proposal, deps.now()));
  await deps.refs?.setProposalMessage(proposal.id, { ...ref, threadTs });
  return ref;
}
