/**
 * The inference engine: model packs, onnxruntime sessions (in a worker thread), the sampler,
 * conditioning by known frames, progress, cancel and live preview. No Electron, no files written:
 * callers (the CLI, the services) get frames back and decide where they go (see ./output.ts).
 */
import { canvasFor, type GraphName, type Manifest } from './manifest';
import { discoverPacks, builtInModelsDir, type Pack, type PackProblem } from './packs';
import { OrtHost, chooseProviders, defaultThreads, ortVersion, type ProviderChoice, type TensorData } from './ort-host';
import { Rng } from './prng';
import { expandMask, latentSize, sample, startNoise, type LatentShape, type Prediction, type ScheduleSpec } from './sampler';
import { Tokenizer } from './tokenizer';
import { framesToLatent, latentToFrames, rgbToTensor, tensorToRgb } from './frames';
import { CancelledError, pause, throwIfAborted } from './util';

declare const __STUDIO_VERSION__: string | undefined;
/** Bumped when the engine's numbers could change for the same inputs (it is in provenance). */
export const ENGINE_VERSION = `1.0.0+app.${typeof __STUDIO_VERSION__ === 'string' ? __STUDIO_VERSION__ : 'dev'}`;

export type Stage = 'load' | 'encode' | 'sample' | 'decode';

export interface Progress {
  stage: Stage;
  step: number;
  total: number;
  /** 0..1 over the whole generation. */
  fraction: number;
  /** Estimated milliseconds left (null until there is something to go on). */
  etaMs: number | null;
}

export interface PreviewFrame {
  step: number;
  total: number;
  /** Window frame indices (0-based) of the frames handed back. */
  indices: number[];
  frames: Uint8Array[];
  width: number;
  height: number;
}

export interface KnownFrame {
  /** 0-based position in the window. */
  index: number;
  rgb: Uint8Array;
}

export interface GenerateRequest {
  packId?: string;
  prompt: string;
  seed: number;
  steps?: number;
  guidance?: number;
  aspect?: string;
  /** Frames given (conditioning): their latents are pinned during sampling. */
  known?: KnownFrame[];
}

export interface GenerateHooks {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** When set, the current clean-clip estimate is decoded and handed back after steps. */
  onPreview?: (p: PreviewFrame) => void;
  /**
   * frameStride: every n-th frame of the window (default 4); budget: the most of the run's time
   * previews may take (default 0.15; a preview is skipped when it would go over); scale: 1 decodes
   * at the canvas size, 2 (default) decodes a 2x2-averaged latent at half the canvas size, a quarter
   * of the cost.
   */
  preview?: { frameStride?: number; budget?: number; scale?: 1 | 2 };
}

export interface GenerateResult {
  frames: Uint8Array[];
  width: number;
  height: number;
  fps: number;
  steps: number;
  guidance: number;
  /** The share of the starting noise every frame shared (the pack's sampler.noise_share). */
  noiseShare: number;
  unknownWords: string[];
  truncatedWords: string[];
  provider: string;
  pack: { id: string; version: string; sha256: string };
  engineVersion: string;
  timings: { load: number; encode: number; sample: number; decode: number; preview: number };
  previews: number;
}

export interface EngineOptions {
  /** Extra pack folders (the user's models folder, --models). */
  userModelDirs?: string[];
  builtInDir?: string;
  providers?: string[];
  threads?: number;
  /**
   * A pause after each sampler step, in ms (default: STUDIO_STEP_PAUSE_MS, else 0). It hands the
   * cores back between steps on a machine that must stay responsive to other work, and the
   * end-to-end tests set it so that a click lands while a job is still sampling (the built-in
   * model samples 100 steps in about 3 s on two cores, faster than a browser round trip is sure to be).
   */
  stepPauseMs?: number;
  /** Skip sha256 checks (tests of the pure parts only). */
  verify?: boolean;
}

interface LoadedPack {
  pack: Pack;
  tokenizer: Tokenizer;
  shape: { C: number; S: number; T: number };
  prediction: Prediction;
  schedule: ScheduleSpec;
  norm: { scale: number[]; shift: number[] } | null;
  textCache: Map<string, Float32Array>;
  textDims: number[];
  provider: string;
}

function now(): number {
  return performance.now();
}

/** The sampler's schedule from the manifest's words. */
export function scheduleOf(m: Manifest): ScheduleSpec {
  const s = m.sampler as Record<string, unknown>;
  const shift = typeof s.shift === 'number' ? s.shift : typeof s.schedule_shift === 'number' ? s.schedule_shift : undefined;
  if (shift !== undefined && shift !== 1) return { kind: 'shifted', shift };
  return { kind: 'linear' };
}

/**
 * Latent normalisation the engine applies itself: latent = (encoder(frames) - shift) * scale, and
 * decoder(latent / scale + shift). None when the manifest says the graphs already do it.
 */
export function latentNormOf(m: Manifest): { scale: number[]; shift: number[] } | null {
  const l = m.latent as Record<string, unknown>;
  const words = typeof l.normalisation === 'string' ? l.normalisation : typeof l.normalization === 'string' ? l.normalization : '';
  if (/already applied|inside (the )?(encoder|graph)|in[- ]graph/i.test(words)) return null;
  const C = m.latent.channels;
  const list = (v: unknown, d: number) => (Array.isArray(v) ? (v as number[]) : Array(C).fill(typeof v === 'number' ? v : d));
  const scale = list(m.latent.scale, 1);
  const shift = list(m.latent.shift, 0);
  if (scale.length !== C || shift.length !== C) throw new Error(`model pack ${m.id}: latent scale/shift must have ${C} values`);
  if (scale.every((v) => v === 1) && shift.every((v) => v === 0)) return null;
  return { scale, shift };
}

export function predictionOf(m: Manifest): Prediction {
  const p = m.sampler.prediction;
  if (p === 'x0') return 'x0';
  if (p === 'velocity' || p === 'v') return 'velocity';
  throw new Error(`model pack ${m.id}: sampler prediction "${p}" is not supported (x0 or velocity)`);
}

export class Engine {
  readonly host = new OrtHost();
  readonly choice: ProviderChoice;
  readonly threads: number;
  readonly stepPauseMs: number;
  private readonly loaded = new Map<string, Promise<LoadedPack>>();
  private readonly loadedEpoch = new Map<string, number>();
  private constructor(
    private readonly discovered: { packs: Pack[]; problems: PackProblem[] },
    readonly options: EngineOptions,
  ) {
    this.choice = options.providers ? { providers: options.providers, reason: 'asked for' } : chooseProviders();
    this.threads = options.threads ?? defaultThreads();
    const pause = Number(process.env.STUDIO_STEP_PAUSE_MS);
    this.stepPauseMs = options.stepPauseMs ?? (Number.isFinite(pause) && pause > 0 ? pause : 0);
  }

  static async open(options: EngineOptions = {}): Promise<Engine> {
    const folders: { dir: string; source: Pack['source'] }[] = [{ dir: options.builtInDir ?? builtInModelsDir(), source: 'built-in' }];
    for (const d of options.userModelDirs ?? []) folders.push({ dir: d, source: 'user' });
    const found = await discoverPacks(folders, { verify: options.verify });
    return new Engine(found, options);
  }

  packs(): Pack[] {
    return this.discovered.packs;
  }

  problems(): PackProblem[] {
    return this.discovered.problems;
  }

  pack(id?: string): Pack {
    const packs = this.discovered.packs;
    const p = id ? packs.find((x) => x.manifest.id === id) : (packs.find((x) => x.source === 'built-in') ?? packs[0]);
    if (p) return p;
    const why = this.discovered.problems.map((q) => q.message).join('\n');
    if (id) throw new Error(`no usable model pack "${id}" (found: ${packs.map((x) => x.manifest.id).join(', ') || 'none'})${why ? `\n${why}` : ''}`);
    throw new Error(`no usable model pack was found${why ? `:\n${why}` : ` (looked in ${this.options.builtInDir ?? builtInModelsDir()}${(this.options.userModelDirs ?? []).map((d) => ', ' + d).join('')})`}`);
  }

  ortVersion(): string {
    return ortVersion();
  }

  /** Creates the pack's sessions once (later calls reuse them). */
  prepare(id?: string): Promise<LoadedPack> {
    const pack = this.pack(id);
    const key = pack.manifest.id;
    let p = this.loaded.get(key);
    // a worker that died (or was closed) took its sessions with it
    if (p && (!this.host.running || this.loadedEpoch.get(key) !== this.host.epoch)) p = undefined;
    if (!p) {
      p = this.load(pack); // starts the worker (synchronously) when none runs
      this.loaded.set(key, p);
      this.loadedEpoch.set(key, this.host.epoch);
      p.catch(() => this.loaded.delete(key));
    }
    return p;
  }

  private async load(pack: Pack): Promise<LoadedPack> {
    const m = pack.manifest;
    const providersUsed: string[] = [];
    for (const g of ['text_encoder', 'denoiser', 'encoder', 'decoder'] as GraphName[]) {
      const info = await this.host.load(`${m.id}/${g}`, pack.graphFiles[g], this.choice.providers, this.threads);
      providersUsed.push(info.provider);
    }
    const provider = providersUsed.every((p) => p === providersUsed[0]) ? providersUsed[0]! : providersUsed.join('+');
    const tokenizer = Tokenizer.forPack(pack);
    return {
      pack,
      tokenizer,
      shape: { C: m.latent.channels, S: m.latent.spatial_stride, T: m.frames_per_window },
      prediction: predictionOf(m),
      schedule: scheduleOf(m),
      norm: latentNormOf(m),
      textCache: new Map(),
      textDims: [],
      provider,
    };
  }

  private async textEmbedding(lp: LoadedPack, ids: number[]): Promise<{ data: Float32Array; dims: number[] }> {
    const key = ids.join(',');
    const hit = lp.textCache.get(key);
    if (hit) return { data: hit, dims: lp.textDims };
    const out = await this.host.run(`${lp.pack.manifest.id}/text_encoder`, {
      tokens: { type: 'int64', dims: [1, ids.length], data: BigInt64Array.from(ids.map((i) => BigInt(i))) },
    });
    const t = first(out);
    lp.textDims = t.dims.slice(1);
    if (lp.textCache.size > 64) lp.textCache.clear();
    lp.textCache.set(key, t.data as Float32Array);
    return { data: t.data as Float32Array, dims: lp.textDims };
  }

  /** Decodes latent frames [n of C,h,w] to RGB frames, in batches. */
  async decode(lp: LoadedPack, latent: Float32Array, shape: LatentShape, which: number[]): Promise<Uint8Array[]> {
    const { C, T, h, w } = shape;
    const S = lp.shape.S;
    const batch = 8;
    const frames: Uint8Array[] = [];
    for (let i = 0; i < which.length; i += batch) {
      const part = which.slice(i, i + batch);
      const input = latentToFrames(latent, C, T, h * w, part);
      if (lp.norm) {
        const { scale, shift } = lp.norm;
        perChannel(input, part.length, C, h * w, (v, c) => v / scale[c]! + shift[c]!);
      }
      const out = first(await this.host.run(`${lp.pack.manifest.id}/decoder`, { latent: { type: 'float32', dims: [part.length, C, h, w], data: input } }));
      const [, , H, W] = out.dims as [number, number, number, number];
      if (H !== h * S || W !== w * S) throw new Error(`decoder gave ${W}x${H} frames, expected ${w * S}x${h * S}`);
      const n = 3 * H * W;
      for (let k = 0; k < part.length; k++) frames.push(tensorToRgb(out.data as Float32Array, W, H, k * n));
    }
    return frames;
  }

  /** Encodes RGB frames to latent frames, written into `into` ([C,T,h,w]) at window positions. */
  async encode(lp: LoadedPack, known: KnownFrame[], width: number, height: number, into: Float32Array, shape: LatentShape): Promise<void> {
    const { C, T, h, w } = shape;
    const batch = 8;
    for (let i = 0; i < known.length; i += batch) {
      const part = known.slice(i, i + batch);
      const n = 3 * width * height;
      const input = new Float32Array(part.length * n);
      part.forEach((k, j) => rgbToTensor(k.rgb, width, height, input, j * n));
      const out = first(await this.host.run(`${lp.pack.manifest.id}/encoder`, { frames: { type: 'float32', dims: [part.length, 3, height, width], data: input } }));
      const [, c, hh, ww] = out.dims as [number, number, number, number];
      if (c !== C || hh !== h || ww !== w) throw new Error(`encoder gave a [${out.dims.join(',')}] latent, expected [n,${C},${h},${w}]`);
      const z = out.data as Float32Array;
      if (lp.norm) {
        const { scale, shift } = lp.norm;
        perChannel(z, part.length, C, h * w, (v, c) => (v - shift[c]!) * scale[c]!);
      }
      framesToLatent(z, part.length, C, h * w, into, T, part.map((k) => k.index));
    }
  }

  async generate(req: GenerateRequest, hooks: GenerateHooks = {}): Promise<GenerateResult> {
    const { signal } = hooks;
    const t0 = now();
    throwIfAborted(signal);
    const report = (p: Progress) => hooks.onProgress?.(p);
    report({ stage: 'load', step: 0, total: 0, fraction: 0, etaMs: null });
    const lp = await this.prepare(req.packId);
    const m = lp.pack.manifest;
    const tLoad = now() - t0;
    throwIfAborted(signal);

    const steps = req.steps ?? m.sampler.steps;
    const guidance = req.guidance ?? m.sampler.guidance;
    const { width, height } = canvasFor(m, req.aspect);
    const { C, S, T } = lp.shape;
    if (width % S || height % S) throw new Error(`the canvas ${width}x${height} is not a multiple of the latent stride ${S}`);
    const shape: LatentShape = { C, T, h: height / S, w: width / S };
    const known = req.known ?? [];
    for (const k of known) {
      if (!Number.isInteger(k.index) || k.index < 0 || k.index >= T) throw new Error(`a known frame at ${k.index} lies outside the ${T}-frame window`);
      if (k.rgb.length !== width * height * 3) throw new Error(`a known frame is not ${width}x${height} RGB`);
    }

    // text: prompt and null prompt
    const tok = lp.tokenizer.tokenize(req.prompt);
    const nullIds = lp.tokenizer.nullIds(m.text.null_prompt ?? '');
    const textC = await this.textEmbedding(lp, tok.ids);
    const textU = guidance === 1 ? null : await this.textEmbedding(lp, nullIds);

    // conditioning
    const tEnc0 = now();
    const n = latentSize(shape);
    const cond = new Float32Array(n);
    const frameMask = new Float32Array(T);
    if (known.length) {
      report({ stage: 'encode', step: 0, total: steps, fraction: 0, etaMs: null });
      await this.encode(lp, known, width, height, cond, shape);
      for (const k of known) frameMask[k.index] = 1;
    }
    const tEncode = now() - tEnc0;
    throwIfAborted(signal);
    const maskFull = expandMask(frameMask, shape);

    // noise: our own generator, so the bytes do not depend on the runtime; with the share the pack trained with
    const noiseShare = m.sampler.noise_share;
    const noise = startNoise(new Rng(req.seed), shape, noiseShare);

    const key = `${m.id}/denoiser`;
    const dimsX = [C, T, shape.h, shape.w];
    const B = textU ? 2 : 1;
    const xB = new Float32Array(B * n);
    const condB = new Float32Array(B * n);
    const maskB = new Float32Array(B * maskFull.length);
    for (let b = 0; b < B; b++) {
      condB.set(cond, b * n);
      maskB.set(maskFull, b * maskFull.length);
    }
    const textB = new Float32Array(B * textC.data.length);
    textB.set(textC.data, 0);
    if (textU) textB.set(textU.data, textC.data.length);

    const tS0 = now();
    let previewMs = 0;
    let previews = 0;
    let stepMs = 0;
    const stride = Math.max(1, hooks.preview?.frameStride ?? 4);
    const budget = hooks.preview?.budget ?? 0.15;
    const previewIdx: number[] = [];
    for (let f = 0; f < T; f += stride) previewIdx.push(f);
    let previewCost: number | null = null;
    const half = (hooks.preview?.scale ?? 2) === 2 && shape.h % 2 === 0 && shape.w % 2 === 0;
    const decodeEstimate = () => (previewCost !== null ? (previewCost / previewIdx.length) * T * (half ? 4 : 1) : stepMs);

    const x = await sample({
      noise,
      shape,
      steps,
      guidance,
      prediction: lp.prediction,
      schedule: lp.schedule,
      cond,
      frameMask,
      signal,
      denoise: async (xt, t) => {
        for (let b = 0; b < B; b++) xB.set(xt, b * n);
        const out = first(
          await this.host.run(key, {
            x: { type: 'float32', dims: [B, ...dimsX], data: xB },
            t: { type: 'float32', dims: [B], data: new Float32Array(B).fill(t) },
            text: { type: 'float32', dims: [B, ...textC.dims], data: textB },
            cond: { type: 'float32', dims: [B, ...dimsX], data: condB },
            mask: { type: 'float32', dims: [B, 1, T, shape.h, shape.w], data: maskB },
          }),
        );
        const d = out.data as Float32Array;
        return { cond: d.subarray(0, n), uncond: B === 2 ? d.subarray(n, 2 * n) : undefined };
      },
      onStep: async (i, total, x0) => {
        const elapsed = now() - tS0;
        stepMs = (elapsed - previewMs) / (i + 1);
        const left = (total - i - 1) * stepMs + decodeEstimate();
        report({ stage: 'sample', step: i + 1, total, fraction: ((i + 1) * stepMs) / ((i + 1) * stepMs + left), etaMs: Math.round(left) });
        if (this.stepPauseMs > 0) await pause(this.stepPauseMs, signal);
        // Preview: never after the last step (the real decode follows); skipped when it would
        // push the preview's share of the run over the budget.
        if (!hooks.onPreview || i === total - 1 || signal?.aborted) return;
        const work = elapsed - previewMs;
        const expected = previewCost ?? stepMs * 0.5;
        if (previewMs + expected > budget * (work + previewMs + expected)) return;
        const tp = now();
        const frames = half
          ? await this.decode(lp, poolLatent(x0, shape, previewIdx), { C, T: previewIdx.length, h: shape.h / 2, w: shape.w / 2 }, previewIdx.map((_, k) => k))
          : await this.decode(lp, x0, shape, previewIdx);
        const cost = now() - tp;
        previewCost = previewCost === null ? cost : 0.5 * previewCost + 0.5 * cost;
        previewMs += cost;
        previews++;
        hooks.onPreview({ step: i + 1, total, indices: previewIdx, frames, width: half ? width / 2 : width, height: half ? height / 2 : height });
      },
    });
    const tSample = now() - tS0 - previewMs;
    throwIfAborted(signal);

    report({ stage: 'decode', step: steps, total: steps, fraction: (steps * stepMs) / (steps * stepMs + decodeEstimate()), etaMs: Math.round(decodeEstimate()) });
    const tD0 = now();
    const frames = await this.decode(lp, x, shape, [...Array(T).keys()]);
    const tDecode = now() - tD0;
    throwIfAborted(signal);
    report({ stage: 'decode', step: steps, total: steps, fraction: 1, etaMs: 0 });

    return {
      frames,
      width,
      height,
      fps: m.fps,
      steps,
      guidance,
      noiseShare,
      unknownWords: tok.unknownWords,
      truncatedWords: tok.truncatedWords,
      provider: lp.provider,
      pack: { id: m.id, version: m.version, sha256: lp.pack.sha256 },
      engineVersion: ENGINE_VERSION,
      timings: { load: tLoad, encode: tEncode, sample: tSample, decode: tDecode, preview: previewMs },
      previews,
    };
  }

  async close(): Promise<void> {
    await this.host.close();
  }
}

/** The chosen frames of a [C,T,h,w] latent, 2x2-averaged: [C,n,h/2,w/2]. */
export function poolLatent(x: Float32Array, s: LatentShape, frames: number[]): Float32Array {
  const h2 = s.h / 2;
  const w2 = s.w / 2;
  const n = frames.length;
  const out = new Float32Array(s.C * n * h2 * w2);
  for (let c = 0; c < s.C; c++)
    frames.forEach((f, k) => {
      const src = (c * s.T + f) * s.h * s.w;
      const dst = (c * n + k) * h2 * w2;
      for (let y = 0; y < h2; y++)
        for (let xx = 0; xx < w2; xx++) {
          const a = src + 2 * y * s.w + 2 * xx;
          out[dst + y * w2 + xx] = 0.25 * (x[a]! + x[a + 1]! + x[a + s.w]! + x[a + s.w + 1]!);
        }
    });
  return out;
}

function first(out: Record<string, TensorData>): TensorData {
  const v = Object.values(out)[0];
  if (!v) throw new Error('a graph returned no output');
  return v;
}

export { CancelledError };

/** Maps every value of n latent frames [n,C,hw] in place, per channel (a pack's latent normalisation). */
function perChannel(buf: Float32Array, n: number, C: number, hw: number, f: (v: number, c: number) => number): void {
  for (let k = 0; k < n; k++)
    for (let c = 0; c < C; c++)
      for (let p = 0; p < hw; p++) {
        const i = (k * C + c) * hw + p;
        buf[i] = f(buf[i]!, c);
      }
}
