/**
 * The rectified-flow sampler, exactly as the pack's manifest "sampler" describes it (and as the
 * training code's model/studio_model/sampler.py does it):
 *   t_i = 1 - i/steps (t=1 noise, t=0 clean); x = noise
 *   each step: out = out_null + g * (out_cond - out_null)          (classifier-free guidance)
 *              x0  = out (x0-prediction)  |  x - t*out (velocity, v = eps - x0)
 *              x0  = mask*cond + (1-mask)*x0                        (known latent frames pinned)
 *              x   = x0 + (t'/t) * (x - x0)                         (Euler; at t'=0, x = x0)
 * Pure array math over Float32Arrays in [C,T,h,w] layout; the denoiser is a callback.
 */
import type { Rng } from './prng';
import { CancelledError } from './util';

export type Prediction = 'x0' | 'velocity';

export interface ScheduleSpec {
  /** "linear" (t_i = 1 - i/steps) or "shifted" (t' = s*t / (1 + (s-1)*t) on the linear grid). */
  kind: 'linear' | 'shifted';
  shift?: number;
}

/** The time grid t_0 = 1 > t_1 > ... > t_steps = 0. */
export function timeGrid(steps: number, schedule: ScheduleSpec = { kind: 'linear' }): number[] {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a whole number >= 1, not ${steps}`);
  const ts: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = 1 - i / steps;
    if (schedule.kind === 'shifted') {
      const s = schedule.shift ?? 1;
      ts.push((s * t) / (1 + (s - 1) * t));
    } else ts.push(t);
  }
  ts[steps] = 0;
  return ts;
}

/** out = u + g*(c - u), in place into a new array. */
export function guide(cond: Float32Array, uncond: Float32Array, g: number): Float32Array {
  const out = new Float32Array(cond.length);
  for (let i = 0; i < cond.length; i++) out[i] = uncond[i]! + g * (cond[i]! - uncond[i]!);
  return out;
}

/** The model output as an estimate of the clean latent. */
export function toX0(out: Float32Array, x: Float32Array, t: number, prediction: Prediction): Float32Array {
  if (prediction === 'x0') return out;
  const x0 = new Float32Array(out.length);
  for (let i = 0; i < out.length; i++) x0[i] = x[i]! - t * out[i]!;
  return x0;
}

/** Latent geometry: [C, T, h, w]; frameMask has T entries (1 = known frame). */
export interface LatentShape {
  C: number;
  T: number;
  h: number;
  w: number;
}

/**
 * The starting noise [C,T,h,w], N(0,1) in every element. A share > 0 (manifest sampler.noise_share: the share
 * the pack trained with) mixes in one [C,h,w] draw that every frame shares, sqrt(1-share)*e + sqrt(share)*s,
 * so that neighbouring frames start alike and keep one background texture rather than each drawing its own
 * (model/README.md, session 41). The per-frame draw comes first and the shared one only when asked for, so a
 * share of 0 gives the bytes the engine always drew for a seed. As model/studio_model/sampler.py start_noise.
 */
export function startNoise(rng: Rng, s: LatentShape, share = 0): Float32Array {
  if (!(share >= 0 && share < 1)) throw new Error(`the noise share must lie in [0, 1), not ${share}`);
  const noise = rng.normals(latentSize(s));
  if (share === 0) return noise;
  const plane = s.h * s.w;
  const shared = rng.normals(s.C * plane);
  const a = Math.sqrt(1 - share);
  const b = Math.sqrt(share);
  for (let c = 0; c < s.C; c++) {
    const sc = c * plane;
    for (let t = 0; t < s.T; t++) {
      const off = (c * s.T + t) * plane;
      for (let i = 0; i < plane; i++) noise[off + i] = a * noise[off + i]! + b * shared[sc + i]!;
    }
  }
  return noise;
}

export function latentSize(s: LatentShape): number {
  return s.C * s.T * s.h * s.w;
}

/** x0 := mask*cond + (1-mask)*x0, per frame (in place). */
export function pinKnown(x0: Float32Array, cond: Float32Array, frameMask: ArrayLike<number>, s: LatentShape): void {
  const hw = s.h * s.w;
  for (let c = 0; c < s.C; c++)
    for (let f = 0; f < s.T; f++) {
      const m = frameMask[f]!;
      if (m === 0) continue;
      const base = (c * s.T + f) * hw;
      for (let p = 0; p < hw; p++) x0[base + p] = m * cond[base + p]! + (1 - m) * x0[base + p]!;
    }
}

/** x_{t'} = x0 + (t'/t) (x_t - x0) (in place into x). */
export function eulerStep(x: Float32Array, x0: Float32Array, t: number, t2: number): void {
  const r = t2 / t;
  for (let i = 0; i < x.length; i++) x[i] = x0[i]! + r * (x[i]! - x0[i]!);
}

/** The per-element mask tensor [1, T, h, w] for a per-frame mask. */
export function expandMask(frameMask: ArrayLike<number>, s: LatentShape): Float32Array {
  const hw = s.h * s.w;
  const m = new Float32Array(s.T * hw);
  for (let f = 0; f < s.T; f++) m.fill(frameMask[f]!, f * hw, (f + 1) * hw);
  return m;
}

export interface DenoiseOutputs {
  /** Output for the prompt. */
  cond: Float32Array;
  /** Output for the null prompt (absent when guidance is exactly 1). */
  uncond?: Float32Array;
}

export interface SampleOptions {
  noise: Float32Array;
  shape: LatentShape;
  steps: number;
  guidance: number;
  prediction: Prediction;
  schedule?: ScheduleSpec;
  cond: Float32Array;
  frameMask: ArrayLike<number>;
  denoise: (x: Float32Array, t: number) => Promise<DenoiseOutputs>;
  /** Called after each step with the current clean-latent estimate (already pinned). */
  onStep?: (i: number, steps: number, x0: Float32Array) => Promise<void> | void;
  signal?: AbortSignal;
}

export async function sample(o: SampleOptions): Promise<Float32Array> {
  const ts = timeGrid(o.steps, o.schedule);
  const x = Float32Array.from(o.noise);
  for (let i = 0; i < o.steps; i++) {
    if (o.signal?.aborted) throw new CancelledError();
    const t = ts[i]!;
    const t2 = ts[i + 1]!;
    const { cond, uncond } = await o.denoise(x, t);
    const out = uncond ? guide(cond, uncond, o.guidance) : cond;
    const x0 = toX0(out, x, t, o.prediction);
    pinKnown(x0, o.cond, o.frameMask, o.shape);
    eulerStep(x, x0, t, t2);
    if (o.onStep) await o.onStep(i, o.steps, x0);
  }
  if (o.signal?.aborted) throw new CancelledError();
  return x;
}
