import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binaries, coverFilter, decodePicture, encodePng, probe, readClip, runningCount, stopAll, synthesize, thumbnail, writeMp4 } from '../../main/media/ffmpeg';
import { CancelledError } from '../../main/engine/util';

const images = path.resolve(__dirname, '..', 'fixtures', 'images');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'studio-media-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function gradient(w: number, h: number, k = 0): Uint8Array {
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = 3 * (y * w + x);
      rgb[i] = (x * 7 + k * 13) & 255;
      rgb[i + 1] = (y * 11 + k) & 255;
      rgb[i + 2] = (x * y + k * 31) & 255;
    }
  return rgb;
}

describe('media: the one ffmpeg module', () => {
  it('finds the bundled ffmpeg and ffprobe', () => {
    const b = binaries();
    expect(b.ffmpeg).toMatch(/ffmpeg/);
    expect(b.ffprobe).toMatch(/ffprobe/);
    expect(coverFilter(128, 72)).toBe('scale=128:72:force_original_aspect_ratio=increase:flags=bicubic,crop=128:72');
  });

  it('writes PNGs that decode to exactly the same pixels, and the same bytes every time', async () => {
    const rgb = gradient(37, 21);
    const png = encodePng(rgb, 37, 21);
    expect(png.equals(encodePng(rgb, 37, 21))).toBe(true);
    const f = path.join(tmp, 'g.png');
    writeFileSync(f, png);
    const info = await probe(f);
    expect(info).toMatchObject({ width: 37, height: 21, codec: 'png' });
    const back = await decodePicture(f, 37, 21);
    expect(Buffer.from(back).equals(Buffer.from(rgb))).toBe(true);
  });

  it('decodes PNG, JPEG and WebP pictures, scaled to cover and cropped to the canvas', async () => {
    for (const name of ['wide.png', 'tall.jpg', 'scene.webp']) {
      const rgb = await decodePicture(path.join(images, name), 128, 72);
      expect(rgb.length, name).toBe(128 * 72 * 3);
      const sq = await decodePicture(path.join(images, name), 72, 72);
      expect(sq.length, name).toBe(72 * 72 * 3);
    }
    // a 200x100 picture onto 72x72: scaled to 144x72, the middle 72 columns kept
    const full = await decodePicture(path.join(images, 'wide.png'), 144, 72);
    const crop = await decodePicture(path.join(images, 'wide.png'), 72, 72);
    let diff = 0;
    for (let y = 0; y < 72; y++)
      for (let x = 0; x < 72 * 3; x++) diff += Math.abs(full[y * 144 * 3 + 36 * 3 + x]! - crop[y * 72 * 3 + x]!);
    expect(diff / (72 * 72 * 3)).toBeLessThan(1);
    await expect(decodePicture(path.join(images, 'nope.png'), 8, 8)).rejects.toThrow(/nope\.png/);
  });

  it('writes an H.264 mp4 (yuv420p, the given fps, every frame) that ffprobe reads back', async () => {
    const frames = Array.from({ length: 10 }, (_, k) => gradient(64, 36, k));
    const out = path.join(tmp, 'clip.mp4');
    await writeMp4(frames, 64, 36, 8, out);
    const info = await probe(out, { countFrames: true });
    expect(info).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 64, height: 36, frames: 10 });
    expect(info.fps).toBeCloseTo(8);
    expect(info.duration!).toBeCloseTo(1.25, 1);
    const back = await readClip(out);
    expect(back.frames.length).toBe(10);
    expect(back.video).toBe(out);
    await expect(writeMp4(frames, 63, 36, 8, out)).rejects.toThrow(/even/);
  });

  it('reads a clip from a folder of PNGs (numbered or not) and from an earlier run folder', async () => {
    const dir = path.join(tmp, 'run', 'frames');
    mkdirSync(dir, { recursive: true });
    const frames = Array.from({ length: 5 }, (_, k) => gradient(16, 8, k));
    frames.forEach((f, i) => writeFileSync(path.join(dir, `${String(i + 1).padStart(4, '0')}.png`), encodePng(f, 16, 8)));
    const clip = await readClip(path.join(tmp, 'run'));
    expect(clip.frames.length).toBe(5);
    expect(clip.files!.map((f) => path.basename(f))).toEqual(['0001.png', '0002.png', '0003.png', '0004.png', '0005.png']);
    clip.frames.forEach((f, i) => expect(Buffer.from(f).equals(Buffer.from(frames[i]!))).toBe(true));
    const odd = path.join(tmp, 'odd');
    mkdirSync(odd);
    writeFileSync(path.join(odd, 'b-10.png'), encodePng(frames[1]!, 16, 8));
    writeFileSync(path.join(odd, 'b-9.png'), encodePng(frames[0]!, 16, 8));
    const c2 = await readClip(odd);
    expect(c2.frames.map((f) => Buffer.from(f).equals(Buffer.from(frames[0]!)))).toEqual([true, false]);
    await expect(readClip(path.join(tmp, 'empty-nowhere'))).rejects.toThrow(/does not exist/);
  });

  it('makes thumbnails', async () => {
    const src = path.join(tmp, 'src.mp4');
    await synthesize(src, 'testsrc=size=160x90:rate=8:duration=2', ['-pix_fmt', 'yuv420p', '-c:v', 'libx264']);
    const out = path.join(tmp, 'thumb.png');
    await thumbnail(src, out, 64, { atSeconds: 1 });
    expect(await probe(out)).toMatchObject({ width: 64, height: 36 });
    expect(readFileSync(out).length).toBeGreaterThan(100);
  });

  it('stops a running ffmpeg through its signal, and all of them with stopAll()', async () => {
    const ctl = new AbortController();
    const long = synthesize(path.join(tmp, 'long.mp4'), 'testsrc=size=640x360:rate=30:duration=600', ['-c:v', 'libx264', '-preset', 'veryslow'], { signal: ctl.signal });
    await new Promise((r) => setTimeout(r, 300));
    expect(runningCount()).toBe(1);
    ctl.abort();
    await expect(long).rejects.toBeInstanceOf(CancelledError);
    const other = synthesize(path.join(tmp, 'long2.mp4'), 'testsrc=size=640x360:rate=30:duration=600', ['-c:v', 'libx264', '-preset', 'veryslow']);
    await new Promise((r) => setTimeout(r, 300));
    stopAll();
    await expect(other).rejects.toBeInstanceOf(CancelledError);
    expect(runningCount()).toBe(0);
  });
});
