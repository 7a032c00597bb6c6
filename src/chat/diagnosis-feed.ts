// Response events → a diagnosis told in a thread: a progress message edited in place as checks
// finish, then the report, a chart for each check with a time series, and the proposals with
// their Approve / Deny buttons. Renders only: the diagnosis, the audit entries and the
// proposals are the response layer's (src/response/), which runs whether or not chat does.
// Every message is drawn from the diagnosis store at render time, so a late or coalesced write
// shows the newest state.

import { byStatus } from '../diagnostics/status.js';
import type { CheckResult } from '../diagnostics/types.js';
import type { IncidentStore } from '../incidents/store.js';
import type { ThreadRef } from '../incidents/types.js';
import type { Logger } from '../log.js';
import type { PlaybookCatalog } from '../playbooks/catalog.js';
import type { LoadedPlaybook } from '../playbooks/schema.js';
import type { Proposal } from '../remediation/proposal.js';
import type { DiagnosisState, DiagnosisStore } from '../response/diagnoses.js';
import type { ResponseEvent } from '../response/events.js';
import { type ChartInput, hasChartData, renderChartPng } from './chart.js';
import { manualRootMessage } from './incident-message.js';
import type { ChatMessage } from './message.js';
import { noopMessage, notProposedMessage, proposalMessage } from './proposal-message.js';
import type { ChatRefs } from './refs.js';
import { buildReport } from './report.js';
import { chartLabels, progressMessage, reportDetailsMessage, reportMessage } from './report-message.js';
import type { ChatSink, MessageRef } from './sink.js';

export interface DiagnosisFeedDeps {
  sink: ChatSink;
  refs: ChatRefs;
  diagnoses: Pick<DiagnosisStore, 'get'>;
  incidents: Pick<IncidentStore, 'get'>;
  catalog: PlaybookCatalog;
  getProposal: (id: string) => Promise<Proposal | undefined>;
  renderChart?: (input: ChartInput) => Promise<Buffer>;
  /** Charts per diagnosis; the worst checks first. */
  maxCharts?: number;
  log: Logger;
  now: () => Date;
  /** How long an event waits for its thread (the root may still wait for the channel). */
  threadWaitMs?: number;
}

type Event = ResponseEvent & { streamId?: string };

export class DiagnosisFeed {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly edits = new Set<Promise<void>>();

  constructor(private readonly deps: DiagnosisFeedDeps) {}

  /** Accepts the event; events of one diagnosis are drawn in order, diagnoses side by side. */
  handle(event: Event): void {
    const id = event.diagnosisId;
    const next = (this.chains.get(id) ?? Promise.resolve())
      .then(() => this.process(event))
      .catch((err: unknown) =>
        this.deps.log.error({ err, diagnosis: id, type: event.type }, 'diagnosis message not written'),
      );
    this.chains.set(id, next);
    void next.finally(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
  }

  async idle(): Promise<void> {
    while (this.chains.size > 0 || this.edits.size > 0)
      await Promise.allSettled([...this.chains.values(), ...this.edits]);
  }

  private track(p: Promise<void>): void {
    const edit = p.catch((err: unknown) => this.deps.log.warn({ err }, 'progress message not updated'));
    this.edits.add(edit);
    void edit.finally(() => this.edits.delete(edit));
  }

  private async process(event: Event): Promise<void> {
    const { refs } = this.deps;
    if (event.type === 'diagnosis.progress') {
      const ref = await refs.get(progressKey(event.diagnosisId));
      // Not awaited: edits waiting for the channel's turn collapse into one chat.update.
      if (ref) this.track(this.deps.sink.update(ref, () => this.progress(event.diagnosisId)));
      return; // no message yet: `started` draws the newest state when its turn comes
    }
    if (event.type === 'diagnosis.started') return this.started(event.diagnosisId);
    // Posting events are drawn once, whichever replica took them.
    if (event.streamId && !(await refs.once(event.streamId, 'response'))) return;
    const thread = await this.thread(event.diagnosisId);
    if (!thread) {
      this.deps.log.warn(
        { diagnosis: event.diagnosisId, type: event.type },
        'diagnosis has no thread: event not shown',
      );
      return;
    }
    const { sink } = this.deps;
    switch (event.type) {
      case 'diagnosis.done': {
        const progress = await refs.get(progressKey(event.diagnosisId));
        if (progress) this.track(sink.update(progress, () => this.progress(event.diagnosisId)));
        const state = await this.deps.diagnoses.get(event.diagnosisId);
        const playbook = state && this.playbookOf(state);
        if (!state?.run || !playbook) return;
        const report = buildReport(playbook, state.run);
        await sink.post(thread.channel, thread.ts, () => reportMessage(report));
        // The checks the report collapsed, as a second message (a renderer may not show it).
        const details = reportDetailsMessage(report);
        if (details) await sink.post(thread.channel, thread.ts, () => details);
        // Drawing charts takes the CPU for a while: only once the report is out.
        await this.charts(state.run.checks, thread);
        return;
      }
      case 'diagnosis.failed':
        await sink.post(thread.channel, thread.ts, () => failedMessage(event.error));
        return;
      case 'proposal.skipped':
        await sink.post(thread.channel, thread.ts, () =>
          event.noop ? noopMessage(event.title, event.reason) : notProposedMessage(event.title, event.reason),
        );
        return;
      case 'proposal.created': {
        // Proposed again by a second diagnosis: its message is already in the thread.
        if (event.existed && (await refs.proposalMessage(event.proposalId))) return;
        const proposal = await this.deps.getProposal(event.proposalId);
        if (!proposal) return;
        const ref = await sink.post(thread.channel, thread.ts, async () =>
          proposalMessage((await this.deps.getProposal(event.proposalId)) ?? proposal, this.deps.now()),
        );
        await refs.setProposalMessage(proposal.id, { ...ref, threadTs: thread.ts });
        return;
      }
    }
  }

  private async started(diagnosisId: string): Promise<void> {
    const { refs, sink } = this.deps;
    if (await refs.get(progressKey(diagnosisId))) return; // a redelivery
    const state = await this.deps.diagnoses.get(diagnosisId);
    if (!state) return;
    let thread: ThreadRef | undefined;
    if (state.meta.origin === 'manual' && state.meta.channel) {
      const playbook = this.playbookOf(state);
      if (!playbook) return;
      const root = await sink.post(state.meta.channel, undefined, () =>
        manualRootMessage({
          playbook,
          namespace: state.meta.namespace,
          requester: state.meta.requester,
          id: diagnosisId,
        }),
      );
      thread = (await refs.setIfAbsent(rootKey(diagnosisId), root)) ?? root;
    } else {
      thread = await this.thread(diagnosisId);
    }
    if (!thread) return;
    const at = thread;
    const progress = await sink.post(at.channel, at.ts, () => this.progress(diagnosisId));
    await refs.setIfAbsent(progressKey(diagnosisId), progress);
  }

  private async progress(diagnosisId: string): Promise<ChatMessage> {
    const state = await this.deps.diagnoses.get(diagnosisId);
    const playbook = state && this.playbookOf(state);
    if (!state || !playbook) return failedMessage('the diagnosis expired');
    const done: CheckResult[] = state.run?.checks ?? state.results;
    return progressMessage({
      playbookTitle: playbook.title,
      namespace: state.meta.namespace,
      checks: playbook.checks,
      done,
    });
  }

  /** The incident's thread, or the root message of a manual diagnosis; waits while it is posted. */
  private async thread(diagnosisId: string): Promise<ThreadRef | undefined> {
    const deadline = Date.now() + (this.deps.threadWaitMs ?? 30_000);
    const state = await this.deps.diagnoses.get(diagnosisId);
    if (!state) return undefined;
    for (;;) {
      const ref =
        state.meta.origin === 'manual'
          ? await this.deps.refs.get(rootKey(diagnosisId))
          : (await this.deps.incidents.get(state.meta.incidentId))?.thread;
      if (ref || Date.now() >= deadline) return ref;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private async charts(checks: readonly CheckResult[], thread: ThreadRef): Promise<void> {
    const render = this.deps.renderChart ?? renderChartPng;
    const charted = checks
      .filter((c) => hasChartData(c.evidence?.series))
      .sort(byStatus)
      .slice(0, this.deps.maxCharts ?? 4);
    const uploads: Promise<void>[] = [];
    for (const c of charted) {
      try {
        const data = await render({
          title: c.title,
          series: c.evidence?.series ?? [],
          unit: c.unit,
          thresholds: c.thresholds,
        });
        uploads.push(
          this.deps.sink.upload(thread.channel, thread.ts, {
            filename: `${c.checkId}.png`,
            ...chartLabels(c),
            data,
          }),
        );
      } catch (err) {
        this.deps.log.warn({ err, checkId: c.checkId }, 'chart not rendered');
      }
    }
    await Promise.all(uploads);
  }

  private playbookOf(state: DiagnosisState): LoadedPlaybook | undefined {
    return this.deps.catalog.find(state.meta.playbookId);
  }
}

const progressKey = (diagnosisId: string) => `diagnosis-progress:${diagnosisId}`;
const rootKey = (diagnosisId: string) => `diagnosis-root:${diagnosisId}`;

function failedMessage(error: string): ChatMessage {
  return {
    summary: `Diagnosis failed: ${error}`,
    parts: [{ kind: 'text', text: `Diagnosis failed: ${error}`, tone: 'error' }],
  };
}

export type { MessageRef };
