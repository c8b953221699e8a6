/**
 * `npm run bench`: how fast the engine is on this machine, written to bench/results.json.
 * Per denoiser step, per decoded frame, per whole 2-second clip at the pack's canvas and default
 * steps, the real-time factor (clip seconds / wall seconds of sampling + decoding), the live
 * preview's overhead measured in the same run, and peak memory.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine, ENGINE_VERSION, type GenerateResult } from '../engine/engine';
import { runTask } from '../engine/tasks';

export interface BenchOptions {
  out: string;
  runs: number;
  models: string[];
  pack?: string;
  threads?: number;
  log: (s: string) => void;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export async function runBench(o: BenchOptions): Promise<Record<string, unknown>> {
  const load0 = os.loadavg();
  const t0 = performance.now();
  const engine = await Engine.open({ userModelDirs: o.models, threads: o.threads });
  const tOpen = performance.now() - t0;
  try {
    const pack = engine.pack(o.pack);
    const m = pack.manifest;
    const t1 = performance.now();
    await engine.prepare(o.pack);
    const tLoad = performance.now() - t1;
    const steps = m.sampler.steps;
    const T = m.frames_per_window;
    const clipSeconds = T / m.fps;
    const prompt = 'a red ball bounces on the grass while the camera pans right';
    const req = { packId: o.pack, prompt, seed: 1, steps };
    o.log(`bench: pack ${m.id} ${m.version}, ${m.canvas.width}x${m.canvas.height}, ${T} frames @ ${m.fps} fps, ${steps} steps; provider ${engine.choice.providers[0]}; ${engine.threads} threads`);
    // warm-up (first runs allocate and tune)
    await engine.generate({ ...req, steps: 2 });
    const plain: { wall: number; r: GenerateResult }[] = [];
    const withPreview: { wall: number; r: GenerateResult; previews: number }[] = [];
    for (let i = 0; i < o.runs; i++) {
      // alternate so that load changes on the machine hit both alike
      let t = performance.now();
      const a = await engine.generate({ ...req, seed: 1 + i });
      plain.push({ wall: performance.now() - t, r: a });
      t = performance.now();
      let previews = 0;
      const b = await engine.generate({ ...req, seed: 1 + i }, { onPreview: () => void previews++ });
      withPreview.push({ wall: performance.now() - t, r: b, previews });
      o.log(`  run ${i + 1}/${o.runs}: ${Math.round(plain[i]!.wall)} ms plain, ${Math.round(withPreview[i]!.wall)} ms with preview (${previews} previews)`);
    }
    // one full run through the files (PNG frames + mp4) for the end-to-end figure
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'studio-bench-'));
    let endToEnd: number;
    let encodeMs: number;
    try {
      const t = performance.now();
      const run = await runTask(engine, { task: { kind: 'text-to-video' }, prompt, seed: 1, steps, packId: o.pack, out: path.join(tmp, 'clip') });
      endToEnd = performance.now() - t;
      encodeMs = run.provenance.timings.encode;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }

    const stepMs = median(plain.map((p) => p.r.timings.sample / steps));
    const decodeMs = median(plain.map((p) => p.r.timings.decode));
    const clipMs = median(plain.map((p) => p.r.timings.sample + p.r.timings.decode));
    const wallMs = median(plain.map((p) => p.wall));
    const wallPrev = median(withPreview.map((p) => p.wall));
    const previewShare = median(withPreview.map((p) => p.r.timings.preview / (p.r.timings.sample + p.r.timings.decode + p.r.timings.preview)));
    const cpus = os.cpus();
    const result = {
      when: new Date().toISOString(),
      command: 'npm run bench',
      machine: {
        cpu: cpus[0]?.model ?? 'unknown',
        cores: cpus.length,
        available_parallelism: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
        memory_gib: r1(os.totalmem() / 2 ** 30),
        os: `${os.type()} ${os.release()} ${os.arch()}`,
        node: process.version,
        onnxruntime_node: engine.ortVersion(),
        provider: plain[0]!.r.provider,
        provider_reason: engine.choice.reason,
        intra_op_threads: engine.threads,
        /** other work on the machine while the bench ran (a 2-core machine with load > 2 is shared) */
        load_average_before: load0.map(r1),
        load_average_after: os.loadavg().map(r1),
      },
      engine_version: ENGINE_VERSION,
      pack: { id: m.id, version: m.version, sha256: pack.sha256 },
      clip: { width: m.canvas.width, height: m.canvas.height, frames: T, fps: m.fps, seconds: clipSeconds, steps, guidance: m.sampler.guidance, batch: m.sampler.guidance === 1 ? 1 : 2 },
      runs: o.runs,
      ms: {
        open_and_check_packs: r1(tOpen),
        load_sessions: r1(tLoad),
        denoiser_step: r1(stepMs),
        decode_clip: r1(decodeMs),
        decode_per_frame: r1(decodeMs / T),
        sample_and_decode_per_clip: r1(clipMs),
        generate_wall_per_clip: r1(wallMs),
        end_to_end_with_png_and_mp4: r1(endToEnd),
        png_and_mp4_encode: r1(encodeMs),
      },
      real_time_factor: r3((clipSeconds * 1000) / clipMs),
      real_time_factor_wall: r3((clipSeconds * 1000) / wallMs),
      real_time_goal_met: (clipSeconds * 1000) / clipMs >= 1,
      preview: {
        frames_per_preview: Math.ceil(T / 4),
        previews_per_clip: median(withPreview.map((p) => p.previews)),
        /** wall time with preview / without - 1: medians, and best-of-runs (less affected by other load) */
        overhead_ratio: r3(wallPrev / wallMs - 1),
        overhead_ratio_best: r3(Math.min(...withPreview.map((p) => p.wall)) / Math.min(...plain.map((p) => p.wall)) - 1),
        preview_share_of_run: r3(previewShare),
        budget: 0.15,
      },
      peak_rss_mib: r1(process.resourceUsage().maxRSS / 1024),
      samples_ms: {
        plain: plain.map((p) => Math.round(p.wall)),
        with_preview: withPreview.map((p) => Math.round(p.wall)),
      },
    };
    mkdirSync(path.dirname(o.out), { recursive: true });
    writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
    return result;
  } finally {
    await engine.close();
  }
}
