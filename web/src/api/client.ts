// SPDX-License-Identifier: GPL-3.0-or-later
// The one place that talks HTTP to the server. Errors come back as ApiError carrying the
// server's {"error": {code, message, details}}; a network failure flips the `offline` store,
// which shows a bar and retries until the server answers again.
import { lang } from '../i18n';
import { createStore } from '../lib/store';
import type {
  Answer,
  AnswerInput,
  AnswerVersion,
  Attachment,
  Away,
  Preferences,
  QuietHours,
  Customer,
  CustomerWithTickets,
  Calendar, Department, FieldDef, Notification, QueueInfo, Ticket, TicketEvent, TicketList, User,
  ValidateResult, WorkflowDetail, WorkflowSummary, WorkflowVersionInfo,
} from './types';

export const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details: Record<string, unknown> = {},
  ) {
    super(message);
  }
  /** `details.fields` of a 422: field name → message. */
  get fieldErrors(): Record<string, string> {
    const f = this.details?.fields;
    return f && typeof f === 'object' ? (f as Record<string, string>) : {};
  }
}

/** True while the server cannot be reached; a bar is shown and a probe retries. */
export const offline = createStore(false);
/** Incremented whenever the server comes back, so pages refetch. */
export const reconnectTick = createStore(0);
/** Incremented after every successful change this tab makes (so badges refresh at once). */
export const mutated = createStore(0);
/** Set when a call answers 401: the session ended (signed out elsewhere, expired). */
export const sessionLost = createStore(0);

let probeTimer: number | undefined;
let probeDelay = 1000;

function markOffline() {
  if (!offline.get()) {
    offline.set(true);
    probeDelay = 1000;
    scheduleProbe();
  }
}

function scheduleProbe() {
  window.clearTimeout(probeTimer);
  probeTimer = window.setTimeout(probe, probeDelay);
}

async function probe() {
  try {
    const res = await fetch(`${BASE}/me`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (isJson(res) || res.status === 401) {
      offline.set(false);
      reconnectTick.update((n) => n + 1);
      return;
    }
  } catch {
    /* still down */
  }
  probeDelay = Math.min(probeDelay * 2, 15000);
  scheduleProbe();
}

/** Retry now (the "Retry" button on the bar). */
export function retryNow() {
  probeDelay = 1000;
  window.clearTimeout(probeTimer);
  void probe();
}

function isJson(res: Response) {
  return (res.headers.get('content-type') || '').includes('application/json');
}

interface RequestOptions {
  method?: string;
  body?: unknown;
  yaml?: string;
  headers?: Record<string, string>;
  /** Return null instead of throwing on 404. */
  allow404?: boolean;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = {
    Accept: 'application/json',
    // Workflow text (titles, labels) comes back in the UI's language.
    'Accept-Language': lang.get() === 'zh' ? 'zh-CN' : 'en',
    ...(opts.headers ?? {}),
  };
  let body: BodyInit | undefined;
  if (opts.yaml !== undefined) {
    headers['Content-Type'] = 'application/yaml';
    body = opts.yaml;
  } else if (method !== 'GET') {
    // The server takes a change made with the session cookie only as JSON (a forgery defence:
    // no form and no no-cors fetch can send that type), so every mutation says so, even a
    // DELETE without a body. The browser adds the Origin header the server checks too.
    headers['Content-Type'] = 'application/json';
    if (method !== 'DELETE') body = JSON.stringify(opts.body ?? {});
  }
  let res: Response;
  try {
    res = await fetch(BASE + path, { method, headers, body, credentials: 'same-origin' });
  } catch {
    markOffline();
    throw new ApiError(0, 'network', '');
  }
  if (res.status === 204) {
    if (method !== 'GET') mutated.update((n) => n + 1);
    return undefined as T;
  }
  if (!isJson(res)) {
    // Something that is not Baton answered (a proxy, a static file server, a gateway error).
    if (res.status >= 500 || res.status === 404 || res.status === 0) markOffline();
    throw new ApiError(res.status || 0, 'network', '');
  }
  let data: unknown;
  try {
    data = await res.json();
  } catch {
    throw new ApiError(res.status, 'bad_response', '');
  }
  if (offline.get()) {
    offline.set(false);
    reconnectTick.update((n) => n + 1);
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })?.error;
    if (res.status === 401 && !path.startsWith('/login')) sessionLost.update((n) => n + 1);
    if (res.status === 404 && opts.allow404) return null as T;
    throw new ApiError(res.status, e?.code ?? 'error', e?.message ?? '', e?.details ?? {});
  }
  if (method !== 'GET' && !path.startsWith('/workflows/validate') && !path.startsWith('/login')) mutated.update((n) => n + 1);
  return data as T;
}

/** The address of a report's CSV download (the session cookie authenticates the GET). */
export function reportCsvUrl(kind: string, params: Record<string, string | number | undefined>) {
  return `${BASE}/reports/${kind}${qs({ ...params, format: 'csv' }, true)}`;
}

/** A query string of the given parameters; an empty text is left out unless `keepEmpty` (a
 * report's group "" is the row of nobody, a target "" the escalations that moved nothing). */
function qs(params: Record<string, string | number | undefined | null>, keepEmpty = false) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && (keepEmpty || v !== '')) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The server may send `fields` as a map (name → definition) or as a list; the UI wants a list. */
export function normaliseFields(raw: unknown): FieldDef[] {
  if (Array.isArray(raw)) return raw as FieldDef[];
  if (raw && typeof raw === 'object') {
    return Object.entries(raw as Record<string, Omit<FieldDef, 'name'>>).map(([name, def]) => ({ ...def, name }));
  }
  return [];
}

function normaliseNamed<T extends { name: string }>(raw: unknown): T[] {
  if (Array.isArray(raw)) return raw as T[];
  if (raw && typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    for (const key of ['items', 'departments', 'calendars']) if (Array.isArray(o[key])) return o[key] as T[];
    return Object.entries(o).map(([name, v]) => ({ ...(v as object), name }) as T);
  }
  return [];
}

function newKey() {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
export { newKey as newIdempotencyKey };

/**
 * Attaches one file to a ticket: the file itself is the body (no multipart), so the server can
 * write it to storage as it arrives. The browser adds the Origin the server checks.
 */
async function uploadFile(ticket: number, file: File): Promise<Attachment> {
  let res: Response;
  try {
    res = await fetch(`${BASE}/tickets/${ticket}/attachments?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': file.type || 'application/octet-stream' },
      body: file,
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network', '');
  }
  const data = isJson(res) ? await res.json().catch(() => null) : null;
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, e?.code ?? 'error', e?.message ?? '');
  }
  mutated.update((n) => n + 1);
  return data as Attachment;
}

export const api = {
  upload: uploadFile,
  attachmentUrl: (ticket: number, id: number) => `${BASE}/tickets/${ticket}/attachments/${id}`,
  login: (username: string, password: string) =>
    request<{ token: string; user: User }>('/login', { method: 'POST', body: { username, password } }),
  logout: () => request<void>('/logout', { method: 'POST' }),
  me: () => request<User>('/me'),
  setAway: (away: { from?: string; until: string; substitute?: string } | null) =>
    request<{ away: Away | null }>('/me/preferences', { method: 'PATCH', body: { away } }),
  preferences: () => request<Preferences>('/me/preferences'),
  setPreferences: (body: { channels?: Record<string, string[]> | null; quiet_hours?: QuietHours | null; time_zone?: string }) =>
    request<Preferences>('/me/preferences', { method: 'PATCH', body }),

  tickets: (params: Record<string, string | number | undefined | null>) =>
    request<TicketList>(`/tickets${qs(params)}`),
  ticket: (id: number | string) => request<Ticket>(`/tickets/${encodeURIComponent(String(id))}`),
  openTicket: (body: unknown, idempotencyKey: string) =>
    request<Ticket>('/tickets', { method: 'POST', body, headers: { 'Idempotency-Key': idempotencyKey } }),
  act: (id: number, action: string, body: { fields?: Record<string, unknown>; comment?: string; branch?: string; version?: number }) =>
    request<Ticket>(`/tickets/${id}/actions/${encodeURIComponent(action)}`, { method: 'POST', body }),
  claim: (id: number) => request<Ticket>(`/tickets/${id}/claim`, { method: 'POST' }),
  assign: (id: number, username: string, branch?: string) =>
    request<Ticket>(`/tickets/${id}/assign`, { method: 'POST', body: branch ? { username, branch } : { username } }),
  transfer: (id: number, queue: string, reason: string, branch?: string) =>
    request<Ticket>(`/tickets/${id}/transfer`, { method: 'POST', body: branch ? { queue, reason, branch } : { queue, reason } }),
  link: (id: number, ticket: string, relation: 'relates_to' | 'duplicate_of') =>
    request<Ticket>(`/tickets/${id}/links`, { method: 'POST', body: { ticket, relation } }),
  merge: (id: number, into: string, reason: string) =>
    request<Ticket>(`/tickets/${id}/merge`, { method: 'POST', body: reason ? { into, reason } : { into } }),
  reopen: (id: number, reason: string, version?: number) =>
    request<Ticket>(`/tickets/${id}/reopen`, { method: 'POST', body: { reason, version } }),
  comment: (id: number, body: string, internal: boolean) =>
    request<unknown>(`/tickets/${id}/comments`, { method: 'POST', body: { body, internal } }),
  customers: (q: string, limit = 8) => request<{ items: Customer[] }>(`/customers${qs({ q, limit })}`),
  customer: (id: string) => request<CustomerWithTickets>(`/customers/${encodeURIComponent(id)}`),
  answers: (params: { q?: string; department?: string; withdrawn?: boolean } = {}) =>
    request<{ items: Answer[]; placeholders: string[] }>(
      `/answers${qs({ q: params.q || undefined, department: params.department || undefined, withdrawn: params.withdrawn ? 'true' : undefined })}`,
    ),
  createAnswer: (body: AnswerInput) => request<Answer>('/answers', { method: 'POST', body }),
  updateAnswer: (id: number, body: AnswerInput) => request<Answer>(`/answers/${id}`, { method: 'PATCH', body }),
  answerVersions: (id: number) => request<{ items: AnswerVersion[] }>(`/answers/${id}/versions`),
  events: (id: number) => request<{ items: TicketEvent[] }>(`/tickets/${id}/events`),

  queues: () => request<QueueInfo[]>('/queues'),
  /** A report (interfaces.md "Reports"): steps, flow, outcomes, escalations, backlog, satisfaction, tickets. */
  report: <R>(kind: string, params: Record<string, string | number | undefined>) =>
    request<R>(`/reports/${kind}${qs(params, true)}`),
  departments: async () => normaliseNamed<Department>(await request<unknown>('/departments')),
  calendars: async () => normaliseNamed<Calendar>(await request<unknown>('/calendars')),

  workflows: () => request<WorkflowSummary[]>('/workflows'),
  workflow: async (name: string, version?: number) => {
    const path = version
      ? `/workflows/${encodeURIComponent(name)}/versions/${version}`
      : `/workflows/${encodeURIComponent(name)}`;
    const w = await request<WorkflowDetail>(path);
    // A JSON object loses the YAML order: restore it from field_order / order.
    const fields = normaliseFields(w.fields);
    const pos = (f: FieldDef) => {
      const i = w.field_order ? w.field_order.indexOf(f.name) : -1;
      return i >= 0 ? i : f.order ?? Number.MAX_SAFE_INTEGER;
    };
    fields.sort((a, b) => pos(a) - pos(b));
    return { ...w, fields };
  },
  versions: (name: string) => request<WorkflowVersionInfo[]>(`/workflows/${encodeURIComponent(name)}/versions`),
  validate: (yaml: string) => request<ValidateResult>('/workflows/validate', { method: 'POST', yaml }),
  publish: (name: string, yaml: string) =>
    request<{ version: number } | undefined>(`/workflows/${encodeURIComponent(name)}`, { method: 'PUT', yaml }),

  users: () => request<User[]>('/users'),
  createUser: (body: { username: string; name: string; password: string; departments: string[]; roles: string[]; email?: string; phone?: string; language?: string; time_zone?: string }) =>
    request<User>('/users', { method: 'POST', body }),
  updateUser: (username: string, body: Partial<User> & { password?: string; active?: boolean }) =>
    request<User>(`/users/${encodeURIComponent(username)}`, { method: 'PATCH', body }),

  notifications: (unreadOnly: boolean) =>
    request<{ items: Notification[] }>(`/notifications${unreadOnly ? '?unread=true' : ''}`),
  markRead: (id: number) => request<void>(`/notifications/${id}/read`, { method: 'POST' }),
};
