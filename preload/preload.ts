/**
 * The preload: exposes the contract as `window.studio`, and nothing else. It runs sandboxed;
 * the bundler inlines the contract so the names checked here are the same table the hosts use.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS, events, isCallName, MEDIA_SCHEME, type StudioApi, type Reply, StudioError } from '../main/contract';

const api: StudioApi = {
  async invoke(name, input) {
    if (!isCallName(name)) throw new StudioError('unknown_call', `There is no call named ${String(name)}.`);
    const reply = (await ipcRenderer.invoke(CHANNELS.invoke, name, input)) as Reply<never>;
    if (reply.ok) return reply.value;
    throw new StudioError(reply.error.code, reply.error.message);
  },
  mediaUrl: (sha256, ext) => `${MEDIA_SCHEME}://media/${sha256}.${ext}`,
  on(name, listener) {
    if (!Object.prototype.hasOwnProperty.call(events, name)) throw new Error(`There is no event named ${String(name)}.`);
    const wrapped = (_e: unknown, eventName: string, payload: unknown) => {
      if (eventName === name) listener(payload as never);
    };
    ipcRenderer.on(CHANNELS.event, wrapped);
    return () => ipcRenderer.off(CHANNELS.event, wrapped);
  },
};

contextBridge.exposeInMainWorld('studio', api);
