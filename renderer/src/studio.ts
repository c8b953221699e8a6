/**
 * The renderer's only door to the services: `window.studio`. In Electron the preload provides it;
 * in the browser host this module provides the same interface over the loopback WebSocket.
 */
import type { CallName, CallInput, CallOutput, EventName, EventPayload, Reply, StudioApi } from '../../main/contract';

declare global {
  interface Window {
    studio: StudioApi;
  }
}

function browserApi(): StudioApi {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const queue: string[] = [];
  let nextId = 1;
  let ws: WebSocket;

  const connect = () => {
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`);
    ws.onopen = () => {
      while (queue.length) ws.send(queue.shift()!);
    };
    ws.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as { id?: number; reply?: Reply<unknown>; event?: string; payload?: unknown };
      if (msg.event) {
        listeners.get(msg.event)?.forEach((l) => l(msg.payload));
        return;
      }
      const p = pending.get(msg.id!);
      if (!p || !msg.reply) return;
      pending.delete(msg.id!);
      if (msg.reply.ok) p.resolve(msg.reply.value);
      else p.reject(Object.assign(new Error(msg.reply.error.message), { code: msg.reply.error.code }));
    };
    ws.onclose = () => {
      for (const p of pending.values()) p.reject(new Error('The connection to Studio was lost. Is it still running?'));
      pending.clear();
    };
  };
  connect();

  return {
    invoke<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
      const id = nextId++;
      const text = JSON.stringify({ id, name, input });
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        if (ws.readyState === WebSocket.OPEN) ws.send(text);
        else if (ws.readyState === WebSocket.CONNECTING) queue.push(text);
        else reject(new Error('The connection to Studio was lost. Is it still running?'));
      });
    },
    mediaUrl: (sha256, ext) => `/media/${sha256}.${ext}`,
    on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void) {
      const set = listeners.get(name) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(name, set);
      return () => set.delete(listener as (p: unknown) => void);
    },
  };
}

export const studio: StudioApi = window.studio ?? (window.studio = browserApi());
