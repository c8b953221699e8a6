/**
 * The one ffmpeg module. Every ffmpeg and ffprobe call of the app goes through here, so the
 * archived fluent-ffmpeg can be replaced without touching callers.
 *
 * - Binaries: STUDIO_FFMPEG / STUDIO_FFPROBE if set, else @ffmpeg-installer/@ffprobe-installer;
 *   inside a packaged Electron app the binaries live in app.asar.unpacked, not app.asar.
 * - Every running process is kept with an AbortController: a caller's AbortSignal stops its
 *   own process, stopAll() stops every one (app quit).
 */
import ffmpeg from 'fluent-ffmpeg';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { CancelledError } from '../engine/util';

export { encodePng, encodePngAsync } from './png';

function unpacked(p: string): string {
  return p.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

let resolved: { ffmpeg: string; ffprobe: string } | null = null;

/** Where the ffmpeg and ffprobe binaries are (development and packaged layouts). */
export function binaries(): { ffmpeg: string; ffprobe: string } {
  if (resolved) return resolved;
  const ff = process.env.STUDIO_FFMPEG || unpacked((require('@ffmpeg-installer/ffmpeg') as { path: string }).path);
  const fp = process.env.STUDIO_FFPROBE || unpacked((require('@ffprobe-installer/ffprobe') as { path: string }).path);
  ffmpeg.setFfmpegPath(ff);
  ffmpeg.setFfprobePath(fp);
  resolved = { ffmpeg: ff, ffprobe: fp };
  return resolved;
}

const running = new Set<AbortController>();

/** Stops every ffmpeg process this module started and that is still running. */
export function stopAll(): void {
  for (const c of running) c.abort();
}

export function runningCount(): number {
  return running.size;
}

interface RunOptions {
  signal?: AbortSignal;
  /** Collect the command's stdout (when the output is a pipe). */
  collect?: boolean;
}

/** Runs a prepared fluent-ffmpeg command; resolves with stdout when collected. */
function run(cmd: ffmpeg.FfmpegCommand, opts: RunOptions = {}): Promise<Buffer> {
  binaries();
  const ctl = new AbortController();
  running.add(ctl);
  const onAbort = () => ctl.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  return new Promise<Buffer>((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new CancelledError());
    const chunks: Buffer[] = [];
    let ended = !opts.collect;
    let finished = false;
    let stderr = '';
    const done = (err?: Error) => {
      if (finished) return;
      if (err) {
        finished = true;
        return reject(err);
      }
      if (ended && procEnded) {
        finished = true;
        resolve(Buffer.concat(chunks));
      }
    };
    let procEnded = false;
    ctl.signal.addEventListener(
      'abort',
      () => {
        try {
          cmd.kill('SIGKILL');
        } catch {
          /* already gone */
        }
        done(new CancelledError('ffmpeg stopped'));
      },
      { once: true },
    );
    cmd.on('stderr', (line: string) => {
      stderr = (stderr + line + '\n').slice(-4000);
    });
    cmd.on('error', (err: Error) => {
      if (ctl.signal.aborted) return done(new CancelledError('ffmpeg stopped'));
      done(new Error(`ffmpeg failed: ${err.message.split('\n')[0]}\n${stderr.trim().split('\n').slice(-4).join('\n')}`));
    });
    cmd.on('end', () => {
      procEnded = true;
      done();
    });
    if (opts.collect) {
      // No 'close' from this stream: fluent-ffmpeg fails a piped command ("Output stream closed") when the
      // process has not exited 20 ms after the stream closes, which a loaded machine can take after a
      // complete output (a bridge take failed so in CI). Success is then judged by ffmpeg's exit status.
      const out = new PassThrough({ emitClose: false });
      out.on('data', (c: Buffer) => chunks.push(c));
      out.on('end', () => {
        ended = true;
        done();
      });
      cmd.pipe(out, { end: true });
    } else cmd.run();
  }).finally(() => {
    running.delete(ctl);
    opts.signal?.removeEventListener('abort', onAbort);
  });
}

export interface ProbeInfo {
  format: string;
  duration: number | null;
  width: number;
  height: number;
  codec: string;
  profile: string | null;
  pixFmt: string | null;
  fps: number | null;
  /** Frames in the first video stream (counted when the container does not say). */
  frames: number | null;
}

function parseRate(r: string | undefined): number | null {
  if (!r || r === '0/0') return null;
  const [a, b] = r.split('/').map(Number);
  if (!a || !b) return Number(r) || null;
  return a / b;
}

/** What a media file is: container, size, codec, frame rate and frame count. */
export function probe(file: string, opts: { countFrames?: boolean } = {}): Promise<ProbeInfo> {
  binaries();
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(file, opts.countFrames ? ['-count_frames'] : [], (err: Error | null, data: ffmpeg.FfprobeData) => {
      if (err) return reject(new Error(`ffprobe cannot read ${file}: ${err.message.split('\n').slice(-2).join(' ').trim()}`));
      const v = data.streams.find((s) => s.codec_type === 'video');
      if (!v) return reject(new Error(`${file} has no picture or video stream`));
      const nb = Number(v.nb_read_frames ?? v.nb_frames);
      resolve({
        format: String(data.format.format_name ?? ''),
        duration: data.format.duration !== undefined && !Number.isNaN(Number(data.format.duration)) ? Number(data.format.duration) : null,
        width: v.width ?? 0,
        height: v.height ?? 0,
        codec: v.codec_name ?? '',
        profile: v.profile !== undefined ? String(v.profile) : null,
        pixFmt: v.pix_fmt ?? null,
        fps: parseRate(v.avg_frame_rate) ?? parseRate(v.r_frame_rate),
        frames: Number.isFinite(nb) && nb > 0 ? nb : null,
      });
    });
  });
}

/** The filter that scales to cover W x H (keeping the aspect) and crops the middle. */
export function coverFilter(width: number, height: number): string {
  return `scale=${width}:${height}:force_original_aspect_ratio=increase:flags=bicubic,crop=${width}:${height}`;
}

function splitFrames(buf: Buffer, width: number, height: number): Uint8Array[] {
  const n = width * height * 3;
  const frames: Uint8Array[] = [];
  for (let o = 0; o + n <= buf.length; o += n) frames.push(new Uint8Array(buf.buffer.slice(buf.byteOffset + o, buf.byteOffset + o + n)));
  return frames;
}

/** Decodes a picture (PNG, JPEG, WebP, or the first frame of a video) to RGB24, scaled and cropped to W x H. */
export async function decodePicture(file: string, width: number, height: number, opts: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  const cmd = ffmpeg(file).outputOptions(['-frames:v', '1', '-vf', coverFilter(width, height), '-pix_fmt', 'rgb24', '-f', 'rawvideo']);
  const buf = await run(cmd, { ...opts, collect: true });
  const f = splitFrames(buf, width, height)[0];
  if (!f) throw new Error(`${file} could not be decoded as a picture`);
  return f;
}

export interface ClipFrames {
  frames: Uint8Array[];
  width: number;
  height: number;
  /** The PNG file of each frame when the clip is a folder of PNGs (so kept frames can be copied). */
  files: string[] | null;
  /** The video file when the clip is a video. */
  video: string | null;
}

/** The PNG frames of a clip folder: DIR/frames/*.png (an earlier run) or DIR/*.png, sorted by name. */
export function clipPngFiles(dir: string): string[] {
  const framesDir = existsSync(path.join(dir, 'frames')) && statSync(path.join(dir, 'frames')).isDirectory() ? path.join(dir, 'frames') : dir;
  return readdirSync(framesDir)
    .filter((f) => /\.png$/i.test(f))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => path.join(framesDir, f));
}

/**
 * Reads every frame of a clip (a folder of PNGs, an earlier run's --out folder, or a video file)
 * as RGB24. With a size, frames are scaled and cropped to it; without, they keep the clip's size.
 */
export async function readClip(src: string, size?: { width: number; height: number } | null, opts: { signal?: AbortSignal } = {}): Promise<ClipFrames> {
  if (!existsSync(src)) throw new Error(`${src} does not exist`);
  if (statSync(src).isDirectory()) {
    const files = clipPngFiles(src);
    if (!files.length) throw new Error(`${src} holds no PNG frames (looked in ${src} and ${path.join(src, 'frames')})`);
    const info = await probe(files[0]!);
    const width = size?.width ?? info.width;
    const height = size?.height ?? info.height;
    // numbered files (0001.png...) decode in one process; anything else one by one
    const names = files.map((f) => path.basename(f));
    const m = /^(\d+)\.png$/i.exec(names[0]!);
    const digits = m ? m[1]!.length : 0;
    const start = m ? Number(m[1]) : 0;
    const sequential = m && names.every((n, i) => n === `${String(start + i).padStart(digits, '0')}.png`);
    let frames: Uint8Array[];
    if (sequential) {
      const pattern = path.join(path.dirname(files[0]!), `%0${digits}d.png`);
      const cmd = ffmpeg(pattern)
        .inputOptions(['-f', 'image2', '-start_number', String(start)])
        .outputOptions(['-vf', coverFilter(width, height), '-pix_fmt', 'rgb24', '-f', 'rawvideo']);
      frames = splitFrames(await run(cmd, { ...opts, collect: true }), width, height);
    } else {
      frames = [];
      for (const f of files) frames.push(await decodePicture(f, width, height, opts));
    }
    if (frames.length !== files.length) throw new Error(`${src}: decoded ${frames.length} frames from ${files.length} PNG files`);
    return { frames, width, height, files, video: null };
  }
  const info = await probe(src);
  const width = size?.width ?? info.width;
  const height = size?.height ?? info.height;
  const cmd = ffmpeg(src).outputOptions(['-vf', coverFilter(width, height), '-pix_fmt', 'rgb24', '-vsync', '0', '-f', 'rawvideo']);
  const frames = splitFrames(await run(cmd, { ...opts, collect: true }), width, height);
  if (!frames.length) throw new Error(`${src} has no frames ffmpeg could decode`);
  return { frames, width, height, files: null, video: src };
}

/** Encodes RGB24 frames to an H.264 mp4 (yuv420p, constant rate fps, faststart). */
export async function writeMp4(frames: Uint8Array[], width: number, height: number, fps: number, outFile: string, opts: { signal?: AbortSignal; crf?: number } = {}): Promise<void> {
  if (width % 2 || height % 2) throw new Error(`H.264 yuv420p needs an even size, not ${width}x${height}`);
  const input = Readable.from((function* () {
    for (const f of frames) yield Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  })());
  const cmd = ffmpeg(input)
    .inputOptions(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps)])
    .outputOptions([
      '-c:v', 'libx264', '-preset', 'medium', '-crf', String(opts.crf ?? 16), '-pix_fmt', 'yuv420p',
      '-r', String(fps), '-threads', '1', '-movflags', '+faststart', '-f', 'mp4', '-y',
    ])
    .output(outFile);
  await run(cmd, opts);
}

/** A thumbnail (PNG or JPEG by extension) of a picture or of a video's frame at `atSeconds`. */
export async function thumbnail(src: string, outFile: string, width: number, opts: { signal?: AbortSignal; atSeconds?: number } = {}): Promise<void> {
  const cmd = ffmpeg(src);
  if (opts.atSeconds) cmd.seekInput(opts.atSeconds);
  cmd.outputOptions(['-frames:v', '1', '-vf', `scale=${width}:-2:flags=bicubic`, '-y']).output(outFile);
  await run(cmd, opts);
}

/** Writes a tiny test video or picture from an lavfi source (tests and the bench). */
export async function synthesize(outFile: string, lavfi: string, args: string[], opts: { signal?: AbortSignal } = {}): Promise<void> {
  const cmd = ffmpeg(lavfi).inputOptions(['-f', 'lavfi']).outputOptions([...args, '-y']).output(outFile);
  await run(cmd, opts);
}
