// SPDX-License-Identifier: GPL-3.0-or-later
// One WebSocket to /api/v1/stream (same origin, cookie auth), reconnecting with backoff.
// Pages subscribe with useLive() and refetch what they show when a message concerns them.
import { useEffect, useRef } from 'preact/hooks';
import { BASE, reconnectTick } from './client';
import { lang } from '../i18n';
import { createStore } from '../lib/store';
import type { StreamMessage } from './types';

export type LiveStatus = 'off' | 'connecting' | 'open' | 'lost';
export const liveStatus = createStore<LiveStatus>('off');

const listeners = new Set<(m: StreamMessage) => void>();
let socket: WebSocket | null = null;
let timer: number | undefined;
let delay = 1000;
let wanted = false;
let everOpened = false;

function url() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${BASE}/stream`;
}

function connect() {
  if (!wanted) return;
  liveStatus.set(liveStatus.get() === 'lost' ? 'lost' : 'connecting');
  let ws: WebSocket;
  try {
    ws = new WebSocket(url());
  } catch {
    scheduleReconnect();
    return;
  }
  socket = ws;
  ws.onopen = () => {
    delay = 1000;
    const wasLost = liveStatus.get() === 'lost' || everOpened;
    everOpened = true;
    liveStatus.set('open');
    // Changes made while disconnected were missed: have pages refetch.
    if (wasLost) reconnectTick.update((n) => n + 1);
  };
  ws.onmessage = (ev) => {
    let msg: StreamMessage;
    try {
      msg = JSON.parse(String(ev.data));
    } catch {
      return;
    }
    for (const fn of [...listeners]) fn(msg);
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    if (wanted) {
      liveStatus.set('lost');
      scheduleReconnect();
    }
  };
  ws.onerror = () => ws.close();
}

function scheduleReconnect() {
  window.clearTimeout(timer);
  timer = window.setTimeout(connect, delay + Math.random() * 500);
  delay = Math.min(delay * 2, 30000);
}

export function startLive() {
  if (wanted) return;
  wanted = true;
  delay = 1000;
  connect();
}

export function stopLive() {
  wanted = false;
  everOpened = false;
  window.clearTimeout(timer);
  const s = socket;
  socket = null;
  s?.close();
  liveStatus.set('off');
}

export function reconnectLive() {
  if (!wanted) return;
  window.clearTimeout(timer);
  delay = 1000;
  if (!socket) connect();
}

export function onLive(fn: (m: StreamMessage) => void) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * Calls `refresh` (debounced) when a stream message passes `filter`, after a reconnect, and when
 * the language changes (workflow text comes in the UI's language).
 * Keeps the latest callbacks without resubscribing.
 */
export function useLive(refresh: () => void, filter: (m: StreamMessage) => boolean = () => true, waitMs = 250) {
  const ref = useRef({ refresh, filter });
  ref.current = { refresh, filter };
  useEffect(() => {
    let t: number | undefined;
    const fire = () => {
      window.clearTimeout(t);
      t = window.setTimeout(() => ref.current.refresh(), waitMs);
    };
    const off = onLive((m) => {
      if (ref.current.filter(m)) fire();
    });
    const off2 = reconnectTick.subscribe(fire);
    const off3 = lang.subscribe(fire);
    return () => {
      off();
      off2();
      off3();
      window.clearTimeout(t);
    };
  }, [waitMs]);
}
