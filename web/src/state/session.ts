// SPDX-License-Identifier: GPL-3.0-or-later
// Who is signed in. The session cookie is HttpOnly, so "am I signed in" is answered by GET /me.
import { api, ApiError } from '../api/client';
import { lang } from '../i18n';
import { createStore } from '../lib/store';
import type { User, WorkflowSummary } from '../api/types';

/** undefined: not known yet; null: signed out. */
export const me = createStore<User | null | undefined>(undefined);
export const workflows = createStore<WorkflowSummary[]>([]);
/** A sentence shown on the sign-in page (e.g. "server cannot be reached"). */
export const bootError = createStore<string>('');

export async function loadSession(): Promise<void> {
  try {
    const user = await api.me();
    bootError.set('');
    me.set(user);
    await loadWorkflows();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      bootError.set('');
      me.set(null);
    } else {
      bootError.set(e instanceof ApiError && e.code === 'network' ? 'server' : 'unknown');
      me.set(null);
    }
  }
}

// Workflow titles come in the UI's language: fetch them again when it changes.
lang.subscribe(() => {
  if (me.get()) void loadWorkflows();
});

export async function loadWorkflows() {
  try {
    workflows.set(await api.workflows());
  } catch {
    workflows.set([]);
  }
}

/** The browser's time zone (UTC when it cannot say). */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The zone a user's dates are shown in by default (the reports' days): their own, else the browser's. */
export function ownZone(user: User | null | undefined): string {
  return user?.time_zone || browserZone();
}

export function hasRole(user: User | null | undefined, ...roles: string[]) {
  return !!user && roles.some((r) => user.roles.includes(r));
}

/** Pages each user sees in the navigation (ui.md: "each shown only to those who use it"). */
export function capabilities(user: User | null | undefined, wfs: WorkflowSummary[]) {
  const opens = hasRole(user, 'agent', 'supervisor', 'admin') || wfs.some((w) => w.startable);
  return {
    newTicket: opens,
    mine: opens,
    back: opens,
    queues: hasRole(user, 'staff', 'supervisor', 'admin') || (user?.queues?.length ?? 0) > 0,
    dashboard: hasRole(user, 'supervisor', 'admin'),
    /** Reports answer supervisors (their departments) and admins; anyone else gets 403. */
    reports: hasRole(user, 'supervisor', 'admin'),
    admin: hasRole(user, 'admin'),
    answers: hasRole(user, 'supervisor', 'admin'),
  };
}

/**
 * Where each user lands (issue 16, "home by role"): admins on Admin, supervisors on the
 * dashboard, the front line (agents, salespeople) on New ticket, the back office on its first
 * queue; otherwise the first page they have.
 */
export function homePath(user: User | null | undefined, wfs: WorkflowSummary[]) {
  const c = capabilities(user, wfs);
  if (c.admin) return '/admin';
  if (c.dashboard && hasRole(user, 'supervisor')) return '/dashboard';
  if (c.newTicket && hasRole(user, 'agent', 'sales')) return '/new';
  if (c.queues && hasRole(user, 'staff')) return user?.queues?.length ? `/queues/${encodeURIComponent(user.queues[0])}` : '/queues';
  if (c.newTicket) return '/new';
  if (c.queues) return '/queues';
  if (c.dashboard) return '/dashboard';
  return '/mine';
}
