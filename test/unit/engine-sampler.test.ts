import { describe, expect, it } from 'vitest';
import { eulerStep, expandMask, guide, pinKnown, sample, startNoise, timeGrid, toX0, type LatentShape } from '../../main/engine/sampler';
import { Rng } from '../../main/engine/prng';
import { framesToLatent, latentToFrames, psnr, rgbToTensor, tensorToRgb } from '../../main/engine/frames';
import { CancelledError } from '../../main/engine/util';
import { poolLatent } from '../../main/engine/engine';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, eps = 1e-6) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(eps);
};

describe('sampler math', () => {
  it("starting noise: share 0 is the seed's plain draw; a share ties every frame to one shared draw", () => {
    const s: LatentShape = { C: 4, T: 16, h: 18, w: 32 };
    const n = s.C * s.T * s.h * s.w;
    // share 0 (every pack before session 42): the very bytes the engine drew for a seed before the share
    expect(startNoise(new Rng(9), s, 0)).toEqual(new Rng(9).normals(n));
    expect(startNoise(new Rng(9), s)).toEqual(new Rng(9).normals(n));
    // share 0.6: the per-frame draw first, then one [C,h,w] draw, mixed sqrt(0.4) e + sqrt(0.6) s
    const x = startNoise(new Rng(9), s, 0.6);
    const r = new Rng(9);
    const e = r.normals(n);
    const sh = r.normals(s.C * s.h * s.w);
    const plane = s.h * s.w;
    const at = (c: number, t: number, i: number) => (c * s.T + t) * plane + i;
    for (const [c, t, i] of [[0, 0, 0], [3, 15, plane - 1], [2, 7, 100]] as const)
      expect(x[at(c, t, i)]).toBeCloseTo(Math.sqrt(0.4) * e[at(c, t, i)]! + Math.sqrt(0.6) * sh[c * plane + i]!, 5);
    // each element stays N(0,1); two frames correlate by the share
    let m = 0, v = 0, cov = 0;
    for (let i = 0; i < n; i++) { m += x[i]!; v += x[i]! * x[i]!; }
    expect(Math.abs(m / n)).toBeLessThan(0.03);
    expect(Math.abs(v / n - 1)).toBeLessThan(0.03);
    for (let c = 0; c < s.C; c++) for (let i = 0; i < plane; i++) cov += x[at(c, 0, i)]! * x[at(c, 11, i)]!;
    expect(cov / (s.C * plane)).toBeGreaterThan(0.52);
    expect(cov / (s.C * plane)).toBeLessThan(0.68);
    expect(() => startNoise(new Rng(9), s, 1)).toThrow(/noise share must lie in \[0, 1\)/);
  });

  it('time grid: t_i = 1 - i/steps, from 1 to exactly 0', () => {
    expect(timeGrid(4)).toEqual([1, 0.75, 0.5, 0.25, 0]);
    expect(timeGrid(12)[0]).toBe(1);
    expect(timeGrid(12)[12]).toBe(0);
    expect(timeGrid(1)).toEqual([1, 0]);
    const s = timeGrid(4, { kind: 'shifted', shift: 3 });
    expect(s[0]).toBe(1);
    expect(s[4]).toBe(0);
    expect(s[2]).toBeCloseTo(0.75);
    expect(() => timeGrid(0)).toThrow(/steps/);
  });

  it('classifier-free guidance: u + g (c - u)', () => {
    close(guide(Float32Array.of(1, 2), Float32Array.of(0, 4), 3), [3, -2]);
    close(guide(Float32Array.of(1, 2), Float32Array.of(0, 4), 1), [1, 2]);
    close(guide(Float32Array.of(1, 2), Float32Array.of(0, 4), 0), [0, 4]);
  });

  it('velocity to x0: x0 = x - t v', () => {
    close(toX0(Float32Array.of(1, -1), Float32Array.of(0.5, 0.5), 0.5, 'velocity'), [0, 1]);
    const o = Float32Array.of(7);
    expect(toX0(o, Float32Array.of(0), 0.3, 'x0')).toBe(o);
  });

  it('Euler step: x_t2 = x0 + (t2/t)(x_t - x0); at t2 = 0 it lands on x0', () => {
    const x = Float32Array.of(1, 3);
    eulerStep(x, Float32Array.of(0, 1), 1, 0.5);
    close(x, [0.5, 2]);
    eulerStep(x, Float32Array.of(0.25, -1), 0.5, 0);
    close(x, [0.25, -1]);
  });

  it('pins known frames per frame over every channel and pixel', () => {
    const s: LatentShape = { C: 2, T: 3, h: 1, w: 2 };
    const x0 = new Float32Array(12).fill(5);
    const cond = Float32Array.from({ length: 12 }, (_, i) => i);
    pinKnown(x0, cond, [1, 0, 1], s);
    // layout [C,T,h,w]: channel 0 = 0..5, channel 1 = 6..11; frames 0 and 2 pinned
    close(x0, [0, 1, 5, 5, 4, 5, 6, 7, 5, 5, 10, 11]);
    close(expandMask([1, 0, 1], s), [1, 1, 0, 0, 1, 1]);
  });

  it('a perfect denoiser leads the sampler to its x0, and the known frames to cond, with the given guidance', async () => {
    const s: LatentShape = { C: 2, T: 4, h: 2, w: 2 };
    const n = 32;
    const target = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    const cond = new Float32Array(n);
    const mask = [1, 0, 0, 0];
    for (let c = 0; c < 2; c++) for (let p = 0; p < 4; p++) cond[(c * 4 + 0) * 4 + p] = 9;
    const seen: number[] = [];
    const x = await sample({
      noise: Float32Array.from({ length: n }, (_, i) => Math.cos(i)),
      shape: s,
      steps: 5,
      guidance: 3,
      prediction: 'x0',
      cond,
      frameMask: mask,
      denoise: async (_x, t) => {
        seen.push(t);
        // cond and uncond differ; guidance 3 gives u + 3 (c - u) = target
        const u = Float32Array.from(target, (v) => v - 2);
        const c = Float32Array.from(target, (v) => v - 2 + 2 / 3);
        return { cond: c, uncond: u };
      },
    });
    expect(seen).toEqual([1, 0.8, 0.6, 0.4, 0.19999999999999996]);
    const expected = Float32Array.from(target);
    pinKnown(expected, cond, mask, s);
    close(x, expected, 1e-5);
  });

  it('velocity prediction follows the same path as x0 prediction', async () => {
    const s: LatentShape = { C: 1, T: 2, h: 1, w: 2 };
    const target = Float32Array.of(0.3, -0.7, 1.1, 0.2);
    const noise = Float32Array.of(1, -1, 0.5, 0.25);
    const opts = { noise, shape: s, steps: 4, guidance: 1, cond: new Float32Array(4), frameMask: [0, 0] };
    const trail: number[][] = [];
    const a = await sample({ ...opts, prediction: 'x0', denoise: async () => ({ cond: target }), onStep: (_i, _n, x0) => void trail.push(Array.from(x0)) });
    const b = await sample({
      ...opts,
      prediction: 'velocity',
      denoise: async (x, t) => ({ cond: Float32Array.from(x, (v, i) => (v - target[i]!) / t) }),
    });
    close(a, b, 1e-5);
    close(a, target, 1e-6);
    expect(trail.length).toBe(4);
  });

  it('stops between steps when the signal is aborted', async () => {
    const ctl = new AbortController();
    let calls = 0;
    const p = sample({
      noise: new Float32Array(4),
      shape: { C: 1, T: 1, h: 2, w: 2 },
      steps: 10,
      guidance: 1,
      prediction: 'x0',
      cond: new Float32Array(4),
      frameMask: [0],
      denoise: async () => {
        if (++calls === 3) ctl.abort();
        return { cond: new Float32Array(4) };
      },
      signal: ctl.signal,
    });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toBe(3);
  });
});

describe('frame and latent layouts', () => {
  it('RGB bytes -> [-1,1] tensor -> the same bytes', () => {
    const rgb = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const t = rgbToTensor(rgb, 4, 3);
    expect(t[0]).toBeCloseTo(-1);
    expect(Buffer.from(tensorToRgb(t, 4, 3)).equals(Buffer.from(rgb))).toBe(true);
    expect(tensorToRgb(Float32Array.of(2, -2, 0), 1, 1)).toEqual(Uint8Array.of(255, 0, 128));
  });

  it('moves latent frames between [n,C,h,w] and [C,T,h,w]', () => {
    const C = 2;
    const T = 3;
    const hw = 2;
    const lat = new Float32Array(C * T * hw);
    const perFrame = Float32Array.of(1, 2, 3, 4); // one frame: c0 = 1,2 ; c1 = 3,4
    framesToLatent(perFrame, 1, C, hw, lat, T, [2]);
    expect(Array.from(lat)).toEqual([0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 3, 4]);
    expect(Array.from(latentToFrames(lat, C, T, hw, [2]))).toEqual([1, 2, 3, 4]);
  });

  it('psnr', () => {
    const a = new Uint8Array(30).fill(100);
    expect(psnr(a, a)).toBe(Infinity);
    const b = a.map((v) => v + 1);
    expect(psnr(a, b)).toBeCloseTo(48.13, 1);
  });

  it('preview pooling: 2x2 averages of the chosen frames', () => {
    // C=1, T=2, h=2, w=4
    const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 10, 20, 30, 40, 50, 60, 70, 80);
    expect(Array.from(poolLatent(x, { C: 1, T: 2, h: 2, w: 4 }, [1]))).toEqual([35, 55]);
    expect(Array.from(poolLatent(x, { C: 1, T: 2, h: 2, w: 4 }, [0, 1]))).toEqual([3.5, 5.5, 35, 55]);
  });
});
