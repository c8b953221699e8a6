/** Pixel <-> tensor conversions. Frames are RGB24 (H*W*3, row-major); tensors are [3,H,W] in [-1,1]. */
export function rgbToTensor(rgb: Uint8Array, width: number, height: number, out?: Float32Array, offset = 0): Float32Array {
  const n = width * height;
  if (rgb.length !== n * 3) throw new Error(`a frame of ${width}x${height} has ${n * 3} bytes, not ${rgb.length}`);
  const t = out ?? new Float32Array(3 * n);
  for (let p = 0; p < n; p++) {
    t[offset + p] = rgb[3 * p]! / 127.5 - 1;
    t[offset + n + p] = rgb[3 * p + 1]! / 127.5 - 1;
    t[offset + 2 * n + p] = rgb[3 * p + 2]! / 127.5 - 1;
  }
  return t;
}

export function tensorToRgb(t: Float32Array, width: number, height: number, offset = 0): Uint8Array {
  const n = width * height;
  const rgb = new Uint8Array(3 * n);
  for (let p = 0; p < n; p++)
    for (let c = 0; c < 3; c++) {
      const v = Math.round((t[offset + c * n + p]! + 1) * 127.5);
      rgb[3 * p + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  return rgb;
}

/** [T, C, h, w] (per-frame batch, encoder output) -> [C, T, h, w] (denoiser layout) for frames `at`. */
export function framesToLatent(perFrame: Float32Array, count: number, C: number, hw: number, into: Float32Array, T: number, at: number[]): void {
  for (let k = 0; k < count; k++) {
    const f = at[k]!;
    for (let c = 0; c < C; c++) into.set(perFrame.subarray((k * C + c) * hw, (k * C + c + 1) * hw), (c * T + f) * hw);
  }
}

/** [C, T, h, w] -> [n, C, h, w] for the chosen frames (decoder input). */
export function latentToFrames(lat: Float32Array, C: number, T: number, hw: number, frames: number[]): Float32Array {
  const out = new Float32Array(frames.length * C * hw);
  frames.forEach((f, k) => {
    for (let c = 0; c < C; c++) out.set(lat.subarray((c * T + f) * hw, (c * T + f + 1) * hw), (k * C + c) * hw);
  });
  return out;
}

/** Peak signal-to-noise ratio of two RGB24 frames, in dB (Infinity when equal). */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error('psnr: frames differ in size');
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    se += d * d;
  }
  if (se === 0) return Infinity;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}
