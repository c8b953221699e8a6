/**
 * The tasks, from files to files: text-to-video, image-to-video, extension forward/backward,
 * in-filling between two pictures or clips, and retake of a range inside a clip.
 * Inputs are read through main/media (the one ffmpeg module); outputs are written to a temporary
 * folder beside the destination and renamed into place at the very end, so a cancelled or failed
 * run leaves nothing half-written.
 *
 * Output folder: frames/0001.png... (lossless), clip.mp4 (H.264, yuv420p, pack fps), provenance.json.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { clipPngFiles, decodePicture, encodePngAsync, readClip, writeMp4 } from '../media/ffmpeg';
import type { Engine, GenerateHooks, GenerateResult, KnownFrame } from './engine';
import { canvasFor, extendOverlap, taskGuidance, type Manifest } from './manifest';
import { throwIfAborted } from './util';

export type TaskSpec =
  | { kind: 'text-to-video' }
  | { kind: 'image-to-video'; image: string }
  | { kind: 'extend'; source: string; direction: 'forward' | 'backward'; overlap?: number }
  | { kind: 'infill'; from: string; to: string }
  | { kind: 'retake'; source: string; range: [number, number] };

/** The manifest's name for a task ("extend-forward", ...): the key of its task_guidance. */
export function manifestTask(task: { kind: TaskSpec['kind']; direction?: 'forward' | 'backward' }): string {
  return task.kind === 'extend' ? `extend-${task.direction}` : task.kind;
}

export interface RunRequest {
  task: TaskSpec;
  prompt: string;
  seed: number;
  steps?: number;
  guidance?: number;
  aspect?: string;
  packId?: string;
  out: string;
  /** Replace an existing, non-empty output folder. */
  overwrite?: boolean;
}

export interface Conditioning {
  role: string;
  sha256: string;
  /** 1-based frame number in the source clip, for clip frames. */
  frame?: number;
  source?: string;
}

export interface Provenance {
  prompt: string;
  seed: number;
  steps: number;
  guidance: number;
  /** The share of the starting noise every frame shared (the pack's; with the seed it fixes the noise). */
  noise_share: number;
  aspect: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
  task: TaskSpec['kind'];
  direction?: 'forward' | 'backward';
  range?: [number, number];
  pack: { id: string; version: string; sha256: string };
  provider: string;
  engine_version: string;
  conditioning: Conditioning[];
  unknown_words: string[];
  truncated_words: string[];
  timings: { load: number; sample: number; decode: number; encode: number; condition: number; preview: number; total: number };
  files: { frames: string[]; clip: string };
  created: string;
}

export interface RunOutcome {
  dir: string;
  provenance: Provenance;
  result: GenerateResult;
}

const sha = (b: Uint8Array | Buffer) => createHash('sha256').update(b).digest('hex');
const shaFile = (f: string) => sha(readFileSync(f));

/** The aspect whose canvas is exactly width x height, or null. */
export function aspectForSize(m: Manifest, width: number, height: number): string | null {
  const aspects = m.aspects ?? { '16:9': m.canvas };
  for (const [k, v] of Object.entries(aspects)) if (v.width === width && v.height === height) return k;
  return null;
}

/** The output folder must be new, empty, or explicitly replaced. Checked before any work. */
export function checkOutDir(out: string, overwrite = false): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new Error(`--out ${out} exists and is not a folder`);
  if (readdirSync(out).length && !overwrite) throw new Error(`--out ${out} already exists and is not empty (choose a new folder, or pass --overwrite)`);
}

interface PictureInput {
  rgb: Uint8Array;
  sha256: string;
  source: string;
  frame?: number;
  /** The lossless PNG this frame came from, when it did (copied for kept frames). */
  png?: string;
}

/** A single frame from FILE: a picture, the first/last frame of a video, or of an earlier run's folder. */
async function pictureFrom(file: string, which: 'first' | 'last', width: number, height: number, signal?: AbortSignal): Promise<PictureInput> {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  if (statSync(file).isDirectory()) {
    const files = clipPngFiles(file);
    if (!files.length) throw new Error(`${file} holds no PNG frames`);
    const f = which === 'first' ? files[0]! : files[files.length - 1]!;
    return { rgb: await decodePicture(f, width, height, { signal }), sha256: shaFile(f), source: f, frame: which === 'first' ? 1 : files.length, png: f };
  }
  if (/\.(png|jpe?g|webp|bmp|tiff?|gif)$/i.test(file) || which === 'first') {
    return { rgb: await decodePicture(file, width, height, { signal }), sha256: shaFile(file), source: file, frame: /\.(png|jpe?g|webp|bmp|tiff?|gif)$/i.test(file) ? undefined : 1 };
  }
  const clip = await readClip(file, { width, height }, { signal });
  const rgb = clip.frames[clip.frames.length - 1]!;
  return { rgb, sha256: sha(rgb), source: file, frame: clip.frames.length };
}

interface ClipInput {
  frames: Uint8Array[];
  width: number;
  height: number;
  files: string[] | null;
  hashes: string[];
  source: string;
}

async function clipFrom(src: string, size: { width: number; height: number } | null, signal?: AbortSignal): Promise<ClipInput> {
  const c = await readClip(src, size, { signal });
  const hashes = c.files ? c.files.map(shaFile) : c.frames.map((f) => sha(f));
  return { ...c, hashes, source: src };
}

/** Canvas for a source clip: its own size when it is a pack canvas, else the asked aspect. */
async function canvasForClip(m: Manifest, src: string, aspect: string | undefined, exact: boolean): Promise<{ aspect: string; width: number; height: number }> {
  const probeClip = await readClip(src, null);
  const a = aspectForSize(m, probeClip.width, probeClip.height);
  if (a) return { aspect: a, ...canvasFor(m, a) };
  if (exact) {
    const sizes = Object.entries(m.aspects ?? { '16:9': m.canvas }).map(([k, v]) => `${v.width}x${v.height} (${k})`).join(', ');
    throw new Error(`--retake ${src}: its frames are ${probeClip.width}x${probeClip.height}; a retake keeps frames pixel for pixel, so the clip must be at a canvas of the pack: ${sizes}`);
  }
  const asp = aspect ?? '16:9';
  return { aspect: asp, ...canvasFor(m, asp) };
}

export async function runTask(engine: Engine, req: RunRequest, hooks: GenerateHooks = {}): Promise<RunOutcome> {
  const t0 = performance.now();
  const { signal } = hooks;
  const out = path.resolve(req.out);
  checkOutDir(out, req.overwrite);
  const pack = engine.pack(req.packId);
  const m = pack.manifest;
  const T = m.frames_per_window;
  const task = req.task;

  let aspect = req.aspect ?? '16:9';
  let { width, height } = canvasFor(m, aspect);
  const known: KnownFrame[] = [];
  const conditioning: Conditioning[] = [];
  /** Window frames written to the output, in order, and the frames copied/kept as given. */
  let outputIdx: number[] = [...Array(T).keys()];
  /** Output frames that are the given pixels (exact), by output position. */
  const given = new Map<number, { rgb: Uint8Array; png?: string }>();
  let total = T;
  let retakeSource: ClipInput | null = null;
  let retakeWindow = 0;
  let retakeRange: [number, number] | undefined;

  const tc0 = performance.now();
  switch (task.kind) {
    case 'text-to-video':
      break;
    case 'image-to-video': {
      const p = await pictureFrom(task.image, 'first', width, height, signal);
      known.push({ index: 0, rgb: p.rgb });
      given.set(0, { rgb: p.rgb, png: p.png });
      conditioning.push({ role: 'image', sha256: p.sha256, source: p.source, ...(p.frame ? { frame: p.frame } : {}) });
      break;
    }
    case 'infill': {
      const a = await pictureFrom(task.from, 'last', width, height, signal);
      const b = await pictureFrom(task.to, 'first', width, height, signal);
      known.push({ index: 0, rgb: a.rgb }, { index: T - 1, rgb: b.rgb });
      given.set(0, { rgb: a.rgb });
      given.set(T - 1, { rgb: b.rgb });
      conditioning.push({ role: 'from', sha256: a.sha256, source: a.source, ...(a.frame ? { frame: a.frame } : {}) });
      conditioning.push({ role: 'to', sha256: b.sha256, source: b.source, ...(b.frame ? { frame: b.frame } : {}) });
      break;
    }
    case 'extend': {
      const c = await canvasForClip(m, task.source, req.aspect, false);
      ({ aspect, width, height } = c);
      const clip = await clipFrom(task.source, { width, height }, signal);
      // Asking for more given frames than the window holds would leave nothing to generate; say so
      // rather than quietly giving fewer. A clip shorter than the count gives all it has (provenance
      // lists each given frame).
      if (task.overlap !== undefined && task.overlap > T - 1)
        throw new Error(`--overlap ${task.overlap}: an extension with the pack ${m.id} continues from at most ${T - 1} frames (its window is ${T} frames and at least one must be new); ask for ${T - 1} or fewer (the card's "Extend from" in the app)`);
      const k = Math.min(task.overlap ?? extendOverlap(m), clip.frames.length);
      if (k < 1) throw new Error(`--extend ${task.source} has no frames`);
      if (task.direction === 'forward') {
        for (let j = 0; j < k; j++) {
          const src = clip.frames.length - k + j;
          known.push({ index: j, rgb: clip.frames[src]! });
          conditioning.push({ role: 'context', sha256: clip.hashes[src]!, frame: src + 1, source: clip.source });
        }
        outputIdx = outputIdx.slice(k);
      } else {
        for (let j = 0; j < k; j++) {
          known.push({ index: T - k + j, rgb: clip.frames[j]! });
          conditioning.push({ role: 'context', sha256: clip.hashes[j]!, frame: j + 1, source: clip.source });
        }
        outputIdx = outputIdx.slice(0, T - k);
      }
      total = outputIdx.length;
      break;
    }
    case 'retake': {
      const c = await canvasForClip(m, task.source, req.aspect, true);
      ({ aspect, width, height } = c);
      const clip = await clipFrom(task.source, null, signal);
      const N = clip.frames.length;
      const [A, B] = task.range;
      if (!(Number.isInteger(A) && Number.isInteger(B) && A >= 1 && B >= A && B <= N))
        throw new Error(`--range ${A}:${B} must be frame numbers A:B with 1 <= A <= B <= ${N} (the clip has ${N} frames)`);
      const len = B - A + 1;
      const whole = A === 1 && B === N && N <= T;
      if (len > T || (len > T - 2 && !whole))
        throw new Error(`--range ${A}:${B} is ${len} frames; a retake generates at most ${T - 2} frames at once with this pack (it needs kept frames around the range)`);
      // a window of T frames holding the range, centred where the clip allows
      const ws = Math.max(0, Math.min(A - 1 - Math.floor((T - len) / 2), N - T));
      retakeWindow = ws;
      for (let f = ws; f < Math.min(N, ws + T); f++) {
        const inRange = f + 1 >= A && f + 1 <= B;
        if (!inRange) {
          known.push({ index: f - ws, rgb: clip.frames[f]! });
          conditioning.push({ role: 'kept', sha256: clip.hashes[f]!, frame: f + 1, source: clip.source });
        }
      }
      retakeSource = clip;
      retakeRange = [A, B];
      total = N;
      break;
    }
  }
  const tCondition = performance.now() - tc0;
  throwIfAborted(signal);

  const result = await engine.generate(
    { packId: req.packId, prompt: req.prompt, seed: req.seed, steps: req.steps, guidance: req.guidance ?? taskGuidance(m, manifestTask(task)), aspect, known },
    hooks,
  );
  throwIfAborted(signal);

  // assemble the output frames
  const te0 = performance.now();
  const frames: { rgb: Uint8Array; copyFrom?: string }[] = [];
  if (retakeSource) {
    const [A, B] = retakeRange!;
    for (let f = 0; f < retakeSource.frames.length; f++) {
      if (f + 1 >= A && f + 1 <= B) frames.push({ rgb: result.frames[f - retakeWindow]! });
      else frames.push({ rgb: retakeSource.frames[f]!, copyFrom: retakeSource.files?.[f] });
    }
  } else {
    for (const i of outputIdx) {
      const g = given.get(i);
      frames.push(g ? { rgb: g.rgb } : { rgb: result.frames[i]! });
    }
  }

  // write into a temporary folder beside the destination, then rename into place
  const parent = path.dirname(out);
  mkdirSync(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(out)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  let provenance: Provenance;
  try {
    mkdirSync(path.join(tmp, 'frames'), { recursive: true });
    const names = frames.map((_, i) => `frames/${String(i + 1).padStart(4, '0')}.png`);
    // PNGs are compressed on the thread pool while ffmpeg encodes the mp4
    const pngs = Promise.all(
      frames.map(async (f, i) => {
        const dst = path.join(tmp, names[i]!);
        if (f.copyFrom) copyFileSync(f.copyFrom, dst);
        else await writeFile(dst, await encodePngAsync(f.rgb, width, height));
      }),
    );
    pngs.catch(() => {});
    await writeMp4(frames.map((f) => f.rgb), width, height, m.fps, path.join(tmp, 'clip.mp4'), { signal });
    await pngs;
    throwIfAborted(signal);
    const tEncode = performance.now() - te0;
    provenance = {
      prompt: req.prompt,
      seed: req.seed,
      steps: result.steps,
      guidance: result.guidance,
      noise_share: result.noiseShare,
      aspect,
      width,
      height,
      fps: m.fps,
      frames: frames.length,
      task: task.kind,
      ...(task.kind === 'extend' ? { direction: task.direction } : {}),
      ...(retakeRange ? { range: retakeRange } : {}),
      pack: result.pack,
      provider: result.provider,
      engine_version: result.engineVersion,
      conditioning,
      unknown_words: result.unknownWords,
      truncated_words: result.truncatedWords,
      timings: {
        load: Math.round(result.timings.load),
        sample: Math.round(result.timings.sample),
        decode: Math.round(result.timings.decode),
        encode: Math.round(tEncode),
        condition: Math.round(tCondition + result.timings.encode),
        preview: Math.round(result.timings.preview),
        total: Math.round(performance.now() - t0),
      },
      files: { frames: names, clip: 'clip.mp4' },
      created: new Date().toISOString(),
    };
    if (total !== frames.length) throw new Error(`internal: ${frames.length} frames assembled, ${total} expected`);
    writeFileSync(path.join(tmp, 'provenance.json'), JSON.stringify(provenance, null, 2) + '\n');
    throwIfAborted(signal);
    // into place
    if (existsSync(out)) {
      if (readdirSync(out).length) {
        if (!req.overwrite) throw new Error(`--out ${out} appeared while generating and is not empty`);
        const old = `${tmp}.old`;
        renameSync(out, old);
        renameSync(tmp, out);
        rmSync(old, { recursive: true, force: true });
      } else {
        rmSync(out, { recursive: true, force: true });
        renameSync(tmp, out);
      }
    } else renameSync(tmp, out);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { dir: out, provenance, result };
}
