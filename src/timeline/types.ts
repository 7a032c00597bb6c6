// An incident's timeline, built from its audit trail entries (one timeline entry per audit entry,
// in the trail's order) plus what can be read off them: milestones, durations, diagnoses,
// changes with before/after, follow-ups, and whether the chain they came from verified.

/** The runbook's "Performance Incident Response" steps (follow-ups are derived, not entries). */
export type Phase = 'detection' | 'response' | 'recovery';
export const PHASES: readonly Phase[] = ['detection', 'response', 'recovery'];

export interface TimelineEntry {
  /** The audit entry's stream ID and hash: the timeline points at the record it came from. */
  id: string;
  hash: string;
  time: string;
  /** Since the start of the incident. */
  offsetMs: number;
  event: string;
  actor: string;
  proposal?: string | undefined;
  phase: Phase;
  /** One sentence for a person. */
  text: string;
}

export type Milestone = 'acknowledged' | 'diagnosed' | 'approved' | 'fixed' | 'verified' | 'resolved';
export const MILESTONES: readonly Milestone[] = [
  'acknowledged',
  'diagnosed',
  'approved',
  'fixed',
  'verified',
  'resolved',
];
export const MILESTONE_LABEL: Record<Milestone, string> = {
  acknowledged: 'Time to acknowledge',
  diagnosed: 'Time to diagnose',
  approved: 'Time to approve',
  fixed: 'Time to fix',
  verified: 'Time to verify',
  resolved: 'Time to resolve',
};

export interface TimelineDiagnosis {
  at: string;
  namespace?: string | undefined;
  status?: string | undefined;
  bottlenecks: string[];
  /** "p95 latency: 2.3 s (critical > 2 s)": the checks that were not ok. */
  keyValues: string[];
}

export interface TimelineChange {
  proposal: string;
  preview: string;
  action?: string | undefined;
  /** created, blocked, approved, denied, expired, applied, failed, dry-run. */
  status: string;
  approvedBy: string[];
  before?: unknown;
  after?: unknown;
  /** "yes", or "no: <reason>" (from the proposal as it was made). */
  undo?: string | undefined;
  /** Set on a revert: the change it takes back. */
  revertOf?: string | undefined;
  /** Set on a change a revert took back. */
  revertedBy?: string | undefined;
  blockedBy: string[];
  error?: string | undefined;
  verification?: { passed: boolean; summary: string } | undefined;
}

export interface ChainCheck {
  /** The whole trail verified, and each of this incident's entries hashes to what it stores. */
  ok: boolean;
  /** Entries in the whole trail that verified (up to the problem, if any). */
  count: number;
  /** This incident's entries whose own hash was recomputed. */
  entriesChecked: number;
  checkedAt: string;
  problem?: { id: string; time?: string | undefined; reason: string } | undefined;
  /** One line, for the top of every rendering. */
  summary: string;
}

export interface Timeline {
  incident: string;
  title?: string | undefined;
  playbook?: string | undefined;
  startedAt?: string | undefined;
  entries: TimelineEntry[];
  milestones: Partial<Record<Milestone, string>>;
  /** Milliseconds from the start of the incident (perfbot's first entry) to each milestone. */
  durations: Partial<Record<Milestone, number>>;
  /** How long the alerts themselves fired (their own start to end times), once resolved by them:
   * the figure the resolve message gives, which can be far longer than perfbot's own span. */
  firingMs?: number | undefined;
  acknowledgedBy?: string | undefined;
  diagnoses: TimelineDiagnosis[];
  changes: TimelineChange[];
  followUps: string[];
  chain: ChainCheck;
}

/** One audit entry as the timeline reads it (an AuditEntry fits). */
export interface TrailEntry {
  id: string;
  hash: string;
  time: string;
  event: string;
  actor: string;
  incident?: string | undefined;
  proposal?: string | undefined;
  details: Record<string, unknown>;
}
