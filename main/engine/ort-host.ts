/**
 * onnxruntime-node sessions, hosted in a worker thread.
 *
 * onnxruntime-node's `session.run` returns a promise but runs the graph synchronously on the
 * calling thread (inside a setImmediate), which would freeze the main process's event loop for
 * the length of each run. The sessions therefore live in one worker thread; the main thread only
 * posts tensors (transferred, not copied) and awaits replies, so windows, IPC and timers keep
 * running while a clip generates. Sessions are created once per graph and reused.
 *
 * Intra-op threads do not spin-wait between runs (allow_spinning 0): on a two-core machine that
 * also draws the UI, spinning threads steal the cores the main thread and the sampler need; it
 * measured about twice as fast per denoiser step here (STUDIO_ORT_SPIN=1 turns spinning back on).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';

export type TensorType = 'float32' | 'int64';
export interface TensorData {
  type: TensorType;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export interface ProviderChoice {
  /** The execution providers asked for, in order. */
  providers: string[];
  /** Why: what was found on this machine. */
  reason: string;
}

export interface SessionInfo {
  inputNames: string[];
  outputNames: string[];
  provider: string;
}

const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const sessions = new Map();
function toTensor(t) {
  const data = t.type === 'int64' ? new BigInt64Array(t.data) : new Float32Array(t.data);
  return new ort.Tensor(t.type, data, t.dims);
}
parentPort.on('message', async (msg) => {
  try {
    if (msg.kind === 'load') {
      const base = { intraOpNumThreads: msg.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' };
      if (msg.spin === false) base.extra = { session: { intra_op: { allow_spinning: '0' } } };
      let session, provider = msg.providers[0], note = '';
      try {
        session = await ort.InferenceSession.create(msg.file, { ...base, executionProviders: msg.providers });
      } catch (err) {
        if (msg.providers.length > 1 && msg.providers[0] !== 'cpu') {
          note = String(err && err.message || err);
          session = await ort.InferenceSession.create(msg.file, { ...base, executionProviders: ['cpu'] });
          provider = 'cpu';
        } else throw err;
      }
      sessions.set(msg.key, session);
      parentPort.postMessage({ id: msg.id, ok: true, value: { inputNames: session.inputNames, outputNames: session.outputNames, provider, note } });
    } else if (msg.kind === 'run') {
      const s = sessions.get(msg.key);
      if (!s) throw new Error('no session ' + msg.key);
      const feeds = {};
      for (const [k, v] of Object.entries(msg.feeds)) feeds[k] = toTensor(v);
      const out = await s.run(feeds);
      const value = {}, transfer = [];
      for (const [k, t] of Object.entries(out)) {
        const data = t.data;
        const copy = new Float32Array(data.length); copy.set(data);
        value[k] = { type: 'float32', dims: Array.from(t.dims), data: copy.buffer };
        transfer.push(copy.buffer);
        if (typeof t.dispose === 'function') t.dispose();
      }
      parentPort.postMessage({ id: msg.id, ok: true, value }, transfer);
    } else if (msg.kind === 'backends') {
      parentPort.postMessage({ id: msg.id, ok: true, value: { backends: ort.listSupportedBackends ? ort.listSupportedBackends() : [], versions: ort.env && ort.env.versions } });
    } else if (msg.kind === 'release') {
      for (const s of sessions.values()) { try { await s.release(); } catch {} }
      sessions.clear();
      parentPort.postMessage({ id: msg.id, ok: true, value: null });
    }
  } catch (err) {
    parentPort.postMessage({ id: msg.id, ok: false, error: String(err && err.stack || err) });
  }
});
`;

/** onnxruntime-node's entry; in a packaged app, from app.asar.unpacked where its native binding lives. */
export function ortPackagePath(): string {
  const p = require.resolve('onnxruntime-node');
  const unpacked = p.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  return unpacked !== p && existsSync(unpacked) ? unpacked : p;
}

/** Whether an NVIDIA GPU answers on this machine (driver file, or nvidia-smi runs). */
export function nvidiaGpuPresent(): boolean {
  if (existsSync('/proc/driver/nvidia/version')) return true;
  try {
    execFileSync('nvidia-smi', ['-L'], { stdio: 'ignore', timeout: 3000 });
    return true;
  } catch {
    return false;
  }
}

/** Whether onnxruntime-node has its CUDA provider library installed next to the binding. */
export function ortCudaInstalled(): boolean {
  try {
    const root = path.dirname(path.dirname(ortPackagePath()));
    const dir = path.join(root, 'bin', 'napi-v6', process.platform, process.arch);
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(path.join(dir, lib));
  } catch {
    return false;
  }
}

/** CUDA where onnxruntime-node has it and an NVIDIA GPU answers; CPU otherwise. STUDIO_EP=cpu forces CPU. */
export function chooseProviders(env: NodeJS.ProcessEnv = process.env): ProviderChoice {
  if (env.STUDIO_EP === 'cpu') return { providers: ['cpu'], reason: 'STUDIO_EP=cpu' };
  const cuda = ortCudaInstalled();
  const gpu = nvidiaGpuPresent();
  if (cuda && gpu) return { providers: ['cuda', 'cpu'], reason: 'onnxruntime-node CUDA provider installed and an NVIDIA GPU answers' };
  if (gpu) return { providers: ['cpu'], reason: 'an NVIDIA GPU answers but onnxruntime-node has no CUDA provider (install with: npm install onnxruntime-node --onnxruntime-node-install=cuda12)' };
  return { providers: ['cpu'], reason: cuda ? 'no NVIDIA GPU answers' : 'no CUDA provider and no NVIDIA GPU' };
}

/** Threads for one inference: every core but leave one for the UI on bigger machines. */
export function defaultThreads(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const env = Number(process.env.STUDIO_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return n <= 4 ? n : Math.min(n - 1, 16);
}

export function ortVersion(): string {
  try {
    const pj = path.join(path.dirname(path.dirname(ortPackagePath())), 'package.json');
    return (JSON.parse(readFileSync(pj, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class OrtHost {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** Bumped each time a new worker starts: sessions of an earlier worker are gone. */
  epoch = 0;

  get running(): boolean {
    return this.worker !== null;
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    this.epoch++;
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath: ortPackagePath() } });
    w.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error ?? 'onnxruntime worker failed'));
    });
    const fail = (err: Error) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker = null;
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`onnxruntime worker exited (${code})`)));
    w.unref();
    this.worker = w;
    return w;
  }

  private call<T>(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<T> {
    const w = this.ensure();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.ref();
      w.postMessage({ ...msg, id }, transfer);
    }).finally(() => {
      if (this.pending.size === 0) this.worker?.unref();
    });
  }

  load(key: string, file: string, providers: string[], threads: number): Promise<SessionInfo & { note: string }> {
    return this.call({ kind: 'load', key, file, providers, threads, spin: process.env.STUDIO_ORT_SPIN === '1' });
  }

  backends(): Promise<{ backends: { name: string; bundled: boolean }[]; versions: Record<string, string> }> {
    return this.call({ kind: 'backends' });
  }

  async run(key: string, feeds: Record<string, TensorData>): Promise<Record<string, TensorData>> {
    const msgFeeds: Record<string, { type: TensorType; dims: number[]; data: ArrayBuffer }> = {};
    for (const [k, t] of Object.entries(feeds)) {
      // copy so callers keep their arrays (they are small next to a graph run)
      const buf = t.data.slice().buffer as ArrayBuffer;
      msgFeeds[k] = { type: t.type, dims: t.dims, data: buf };
    }
    const out = await this.call<Record<string, { type: TensorType; dims: number[]; data: ArrayBuffer }>>(
      { kind: 'run', key, feeds: msgFeeds },
      Object.values(msgFeeds).map((f) => f.data),
    );
    const res: Record<string, TensorData> = {};
    for (const [k, t] of Object.entries(out)) res[k] = { type: 'float32', dims: t.dims, data: new Float32Array(t.data) };
    return res;
  }

  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    try {
      await this.call({ kind: 'release' });
    } catch {
      /* closing anyway */
    }
    this.worker = null;
    await w.terminate();
  }
}
