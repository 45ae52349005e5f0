// SPDX-License-Identifier: GPL-3.0-or-later
// Shapes of the HTTP API (docs: shared/design/interfaces.md). Optional where the server may omit.

export interface User {
  username: string;
  name: string;
  roles: string[];
  departments: string[];
  queues: string[];
  email?: string;
  phone?: string;
  language?: '' | 'en' | 'zh';
  skills?: string[];
  /** Their own time zone (an IANA name), '' for the organisation's default. */
  time_zone?: string;
  away?: Away | null;
  active?: boolean;
}

/** An absence: from (null: already), until, who takes the work meanwhile (null: the queue's backup). */
export interface Away {
  from: string | null;
  until: string;
  substitute: string | null;
}

/**
 * Mail and SMS held from `from` to `until` (HH:MM on `timezone`'s clock, or without one on the
 * user's own time zone's, UTC for a user without one); `breaches` still go out.
 */
export interface QuietHours {
  from: string;
  until: string;
  timezone?: string;
  breaches?: boolean;
}

/** GET/PATCH /me/preferences: channels per notification kind (absent kind: every channel). */
export interface Preferences {
  away: Away | null;
  /** Their own time zone, '' for the organisation's default. */
  time_zone: string;
  quiet_hours: QuietHours | null;
  channels: Record<string, string[]>;
  available_channels: string[];
  notification_kinds: string[];
}

export interface Sla {
  respond_due: string | null;
  resolve_due: string | null;
  remaining: number | null;
  paused: boolean;
  at_risk: boolean;
  breached: boolean;
  /** Only in `sla_urgent`: whose clock it is (a branch's names the branch). */
  clock?: 'step' | 'ticket' | 'branch';
  branch?: string | null;
  /** Not the server's: the branch's title, added by urgentSla() from the ticket's branches. */
  branch_title?: string;
}

export interface Action {
  name: string;
  title?: string;
  requires?: string[];
  /** Every field the action writes: `requires` plus the transition's optional `fields`. */
  accepts?: string[];
  /** The open parallel branches taking it cancels (their work is thrown away): ask first. */
  discards?: string[];
  /** Ask before taking it: the workflow says `confirm: true`, or it goes back. */
  confirm?: boolean;
  /** It goes back to a state nearer the start: work done since may have to be done again. */
  backwards?: boolean;
}

/** A queue the caller may transfer the step's work to now, titled in their language. */
export interface TransferTarget {
  queue: string;
  title?: string;
  department?: string;
}

export interface Branch {
  name: string;
  /** The branch's title in the caller's language. */
  title?: string;
  queue: string;
  assignee: string | null;
  /** The assignee is away now. */
  assignee_away?: boolean;
  status: 'open' | 'done' | 'failed' | 'cancelled' | string;
  sla?: Sla | null;
  actions?: Action[];
  transfer_targets?: TransferTarget[];
}

export interface Customer {
  id?: string;
  name?: string;
  tier?: string;
  phone?: string;
  email?: string;
}

/** GET /customers/{id}: the customer and the tickets the caller may see, newest first. */
export interface CustomerWithTickets extends Customer {
  id: string;
  tickets: Ticket[];
}

export interface TicketLink {
  id: number;
  key: string;
  workflow: string;
  relation: string;
}

/** A linked ticket an `open: {after: ...}` will open at due_at (dropped if reopened first). */
export interface PendingLink {
  workflow: string;
  action: string;
  due_at: string | null;
}

/** A file on a ticket (POST /tickets/{id}/attachments). */
export interface Attachment {
  id: number;
  name: string;
  size: number;
  content_type: string;
  sha256: string;
  uploaded_by: string;
  created_at: string;
}

export interface Ticket {
  id: number;
  key: string;
  workflow: string;
  workflow_version: number;
  title: string;
  state: string;
  state_title?: string;
  status: 'open' | 'closed' | string;
  queue: string | null;
  assignee: string | null;
  /** The assignee is away now. */
  assignee_away?: boolean;
  originator: string;
  priority: number;
  handoffs: number;
  flagged: boolean;
  fields: Record<string, unknown>;
  customer?: Customer | null;
  branches?: Branch[] | null;
  sla?: Sla | null;
  ticket_sla?: Sla | null;
  /** The most urgent running clock of the ticket (step, ticket-wide, open branches): its badge. */
  sla_urgent?: Sla | null;
  actions?: Action[];
  /** Where the caller may transfer the (non-parallel) step's work now. */
  transfer_targets?: TransferTarget[];
  /** Whether the caller reads and may write internal notes (the back office). */
  internal_notes?: boolean;
  /** Only in GET /tickets/{id}: the ticket's files, oldest first. */
  attachments?: Attachment[];
  links?: TicketLink[];
  pending_links?: PendingLink[];
  version: number;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface TicketList {
  items: Ticket[];
  next_cursor: string | null;
}

export interface TicketEvent {
  seq: number;
  at: string;
  actor: string | null;
  type: string;
  data: Record<string, unknown>;
}

export interface QueueInfo {
  name: string;
  title?: string;
  department: string;
  open: number;
  at_risk: number;
  breached: number;
  primary?: string[];
  backup?: string[];
  manager?: string | null;
  escalate_to?: string | null;
  /** Its contacts (primary, backup, manager) away now. */
  away?: string[];
}

/** The file in `--workflows` and the editor both changed since the file was last published:
 *  the file was not published at start. */
export interface PublishConflict {
  file: string;
  file_version: number | null;
  editor_version: number;
  published_by: string;
  published_at: string;
  message: string;
}

export interface WorkflowSummary {
  name: string;
  title?: string;
  version: number;
  startable: boolean;
  conflict?: PublishConflict;
}

/** One stored version: published from a file at start, or by a user in the editor. */
export interface WorkflowVersionInfo {
  version: number;
  origin: 'file' | 'user';
  path?: string | null;
  published_by?: string;
  published_at: string;
  current: boolean;
}

export type FieldType =
  | 'string' | 'text' | 'int' | 'decimal' | 'bool' | 'date' | 'datetime' | 'choice' | 'user' | 'queue';

export interface FieldDef {
  name: string;
  type: FieldType | string;
  label?: string;
  required?: boolean;
  pattern?: string;
  default?: unknown;
  options?: string[];
  /** Choice options' labels in the caller's language (value → label); absent when none. */
  option_labels?: Record<string, string>;
  /** Position in the workflow's YAML. */
  order?: number;
}

export interface TransitionDef {
  name: string;
  title?: string;
  to?: string;
  /** Fields this transition needs filled in (`requires:`). */
  requires?: string[];
  /** Every field it writes: `requires:` plus its optional `fields:`. */
  accepts?: string[];
}

export interface StateDef {
  name: string;
  title?: string;
  queue?: string;
  final?: boolean;
  parallel?: boolean;
  branches?: { name: string; title?: string; queue?: string; transitions?: TransitionDef[] }[];
  transitions?: TransitionDef[];
}

export interface WorkflowDetail {
  name: string;
  title?: string;
  version: number;
  source: string;
  fields: FieldDef[];
  /** Field names in YAML order. */
  field_order?: string[];
  /** The fields the opening form may write (`start: fields:` or its default). */
  opening_fields?: string[];
  states: StateDef[];
  /** Transitions offered in every non-final state. */
  any?: TransitionDef[];
  mermaid?: string;
  conflict?: PublishConflict;
}

export interface YamlDiagnostic {
  line: number;
  column: number;
  message: string;
  severity?: string;
}

export interface ValidateResult {
  valid: boolean;
  errors: YamlDiagnostic[];
  warnings?: YamlDiagnostic[];
  mermaid?: string;
}

export interface Notification {
  id: number;
  at: string;
  ticket: number;
  kind: string;
  /** English, as composed when stored; kept for older clients. */
  message: string;
  /** What the sentence is made of, per kind (empty for notices stored before it existed). */
  params?: Record<string, unknown>;
  read: boolean;
  key?: string;
}

export interface Department {
  name: string;
  title?: string;
  parent?: string | null;
  calendar?: string | null;
}

export interface Calendar {
  name: string;
  timezone?: string;
  week?: Record<string, string[]>;
  holidays?: string[];
  workdays?: string[];
}

export interface StreamTicketMessage {
  type: 'ticket';
  id: number;
  version: number;
  state: string;
  queue: string | null;
  assignee: string | null;
}

export interface StreamNotificationMessage {
  type: 'notification';
  id?: number;
  ticket?: number;
  kind?: string;
  message?: string;
  params?: Record<string, unknown>;
  [k: string]: unknown;
}

export type StreamMessage = StreamTicketMessage | StreamNotificationMessage;

/** GET /reports/steps rows (interfaces.md "Reports"). */
export interface StepReportRow {
  key: string;
  title: string;
  steps: number;
  respond_met: number;
  respond_due: number;
  resolve_met: number;
  resolve_due: number;
  breached: number;
  escalated: number;
  transfers: number;
  paused_steps: number;
  paused_seconds: number;
  median_business_seconds: number | null;
  p90_business_seconds: number | null;
  median_seconds: number | null;
  p90_seconds: number | null;
}
export interface ReportPeriod {
  from: string;
  to: string;
  period: string;
  tz: string;
  /** While older tickets' step facts are still being derived (ids up to next_ticket are done). */
  backfill?: { next_ticket: number; last_ticket: number };
}
export interface GroupedReport<R> extends ReportPeriod {
  by: string;
  rows: R[];
  /** With compare=previous (steps): the same report over the period just before. */
  previous?: { from: string; to: string; rows: R[] };
}
export interface VolumeRow {
  key: string;
  title: string;
  opened: number;
  steps: number;
  closed: number;
}

export interface OutcomeRow {
  key: string;
  title: string;
  closed: number;
  reopened: number;
  reopen_rate: number;
  first_contact: number;
  first_contact_rate: number;
  handoffs: number;
  bounced: number;
  handoff_limit: number;
  escalated: number;
}
export interface EscalationReportRow {
  key: string;
  title: string;
  to: string;
  to_title: string;
  count: number;
}
export interface BacklogReport extends ReportPeriod {
  days: { date: string; at: string }[];
  rows: { key: string; title: string; open: number[] }[];
}
export interface SatisfactionRow {
  key: string;
  title: string;
  ratings: number;
  average: number;
  not_solved: number;
  counts: Record<string, number>;
}
export interface NotSolvedAnswer {
  id: number;
  key: string;
  source: number;
  source_key: string;
  rating: string | number;
  at: string;
  groups: string[];
}
export interface SatisfactionReport extends GroupedReport<SatisfactionRow> {
  not_solved: NotSolvedAnswer[];
}
export interface FlowReport extends ReportPeriod {
  workflow: string;
  states: {
    state: string;
    title: string;
    entered: number;
    left: number;
    breached: number;
    breach_rate: number;
    median_business_seconds: number | null;
    p90_business_seconds: number | null;
  }[];
  /** Titles in the caller's language (the names when untitled). */
  transitions: { from: string; to: string; action: string; count: number; from_title?: string; to_title?: string; action_title?: string }[];
}
export interface DrillDown extends ReportPeriod {
  tickets: { id: number; key: string; title: string; workflow: string; state: string; state_title?: string; status: string }[];
  truncated: boolean;
}

/** Text in both languages (standard answers). */
export interface Bilingual {
  en: string;
  zh: string;
}

/** A standard answer a department publishes (GET /answers). */
export interface Answer {
  id: number;
  department: string;
  department_title?: string;
  title: Bilingual;
  body: Bilingual;
  active: boolean;
  version: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
  /** Whether the caller may change it (an admin, or a supervisor of its department). */
  editable: boolean;
}

/** One version of an answer (GET /answers/{id}/versions), newest first. */
export interface AnswerVersion {
  version: number;
  department: string;
  title: Bilingual;
  body: Bilingual;
  active: boolean;
  at: string;
  by: string;
}

export interface AnswerInput {
  department?: string;
  title?: Partial<Bilingual>;
  body?: Partial<Bilingual>;
  active?: boolean;
  version?: number;
}
