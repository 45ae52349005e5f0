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
  away?: Away | null;
  active?: boolean;
}

/** An absence: from (null: already), until, who takes the work meanwhile (null: the queue's backup). */
export interface Away {
  from: string | null;
  until: string;
  substitute: string | null;
}

export interface Sla {
  respond_due: string | null;
  resolve_due: string | null;
  remaining: number | null;
  paused: boolean;
  at_risk: boolean;
  breached: boolean;
}

export interface Action {
  name: string;
  title?: string;
  requires?: string[];
  /** Every field the action writes: `requires` plus the transition's optional `fields`. */
  accepts?: string[];
}

/** A queue the caller may transfer the step's work to now, titled in their language. */
export interface TransferTarget {
  queue: string;
  title?: string;
  department?: string;
}

export interface Branch {
  name: string;
  queue: string;
  assignee: string | null;
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
  originator: string;
  priority: number;
  handoffs: number;
  flagged: boolean;
  fields: Record<string, unknown>;
  customer?: Customer | null;
  branches?: Branch[] | null;
  sla?: Sla | null;
  ticket_sla?: Sla | null;
  actions?: Action[];
  /** Where the caller may transfer the (non-parallel) step's work now. */
  transfer_targets?: TransferTarget[];
  /** Whether the caller reads and may write internal notes (the back office). */
  internal_notes?: boolean;
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
  message: string;
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
  [k: string]: unknown;
}

export type StreamMessage = StreamTicketMessage | StreamNotificationMessage;
