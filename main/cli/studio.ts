/**
 * The headless `studio` command (npm run studio -- ...): generation for scripts and batch work.
 * Progress and messages go to stderr; --json prints the provenance on stdout.
 * Exit codes: 0 done, 1 failed, 2 bad arguments, 130 cancelled (Ctrl-C).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Engine } from '../engine/engine';
import { checkOutDir, runTask } from '../engine/tasks';
import { isCancelled } from '../engine/util';
import { clipPngFiles, stopAll } from '../media/ffmpeg';
import { userDataDir } from '../paths';
import { ArgError, parseArgs, USAGE, type GenerateArgs } from './args';
import { runBench } from './bench';

function userModelsDir(): string {
  return path.join(userDataDir(), 'models');
}

/** Every input the task names must exist; the message names the option and what it takes. */
export function checkInputs(a: GenerateArgs): void {
  const t = a.task;
  const need = (opt: string, file: string, what: string, dirOk: boolean) => {
    if (!existsSync(file)) throw new ArgError(`${opt} ${file}: no such file or folder (${opt} takes ${what})`);
    if (!dirOk && statSync(file).isDirectory()) throw new ArgError(`${opt} ${file} is a folder (${opt} takes ${what})`);
  };
  if (t.kind === 'image-to-video') need('--image', t.image, 'a picture: PNG, JPEG or WebP', false);
  if (t.kind === 'extend') need('--extend', t.source, "an earlier run's --out folder, a folder of PNG frames, or a video", true);
  if (t.kind === 'retake') {
    need('--retake', t.source, "an earlier run's --out folder", true);
    if (statSync(t.source).isDirectory()) {
      const n = clipPngFiles(t.source).length;
      if (!n) throw new ArgError(`--retake ${t.source} holds no PNG frames (--retake takes an earlier run's --out folder)`);
      if (t.range[1] > n) throw new ArgError(`--range ${t.range[0]}:${t.range[1]} goes past the clip's last frame: ${t.source} has frames 1 to ${n}`);
    }
  }
  if (t.kind === 'infill') {
    need('--from', t.from, "a picture, a video, or an earlier run's --out folder", true);
    need('--to', t.to, "a picture, a video, or an earlier run's --out folder", true);
  }
}

async function generate(a: GenerateArgs): Promise<number> {
  try {
    checkInputs(a);
    checkOutDir(path.resolve(a.out), a.overwrite);
  } catch (err) {
    process.stderr.write(`studio: ${(err as Error).message}\n`);
    return 2;
  }
  const controller = new AbortController();
  const onSig = () => {
    process.stderr.write('\nstopping...\n');
    controller.abort();
    stopAll();
  };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  const engine = await Engine.open({ userModelDirs: [userModelsDir(), ...a.models.map((d) => path.resolve(d))] });
  try {
    for (const p of engine.problems()) process.stderr.write(`warning: ${p.message}\n`);
    const pack = engine.pack(a.pack);
    if (!a.quiet) {
      process.stderr.write(`pack ${pack.manifest.id} ${pack.manifest.version}; provider ${engine.choice.providers[0]} (${engine.choice.reason}); ${engine.threads} threads\n`);
      if (!a.seedGiven) process.stderr.write(`seed ${a.seed}\n`);
    }
    const tty = process.stderr.isTTY;
    let last = '';
    const outcome = await runTask(
      engine,
      { task: a.task, prompt: a.prompt, seed: a.seed, steps: a.steps, guidance: a.guidance, aspect: a.aspect, packId: a.pack, out: a.out, overwrite: a.overwrite },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (a.quiet) return;
          const eta = p.etaMs === null ? '' : ` eta ${(p.etaMs / 1000).toFixed(1)}s`;
          const line = `${p.stage}${p.total ? ` ${p.step}/${p.total}` : ''} ${Math.round(p.fraction * 100)}%${eta}`;
          if (line === last) return;
          last = line;
          process.stderr.write(tty ? `\r${line.padEnd(40)}` : `${line}\n`);
        },
      },
    );
    if (tty && !a.quiet) process.stderr.write('\n');
    const pv = outcome.provenance;
    if (pv.unknown_words.length) process.stderr.write(`Unknown words: ${pv.unknown_words.join(', ')}\n`);
    if (pv.truncated_words.length) process.stderr.write(`Words beyond the pack's ${pack.manifest.text.max_tokens}-token limit (not used): ${pv.truncated_words.join(' ')}\n`);
    if (!a.quiet)
      process.stderr.write(
        `wrote ${pv.frames} frames ${pv.width}x${pv.height} @ ${pv.fps} fps to ${outcome.dir} (load ${pv.timings.load} ms, sample ${pv.timings.sample} ms, decode ${pv.timings.decode} ms, encode ${pv.timings.encode} ms; ${pv.provider})\n`,
      );
    if (a.json) process.stdout.write(JSON.stringify(pv, null, 2) + '\n');
    return 0;
  } catch (err) {
    if (isCancelled(err)) {
      process.stderr.write('cancelled: nothing was written\n');
      return 130;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
    await engine.close();
  }
}

async function packs(models: string[], json: boolean): Promise<number> {
  const engine = await Engine.open({ userModelDirs: [userModelsDir(), ...models.map((d) => path.resolve(d))] });
  const list = engine.packs().map((p) => ({ id: p.manifest.id, version: p.manifest.version, dir: p.dir, source: p.source, sha256: p.sha256, canvas: p.manifest.canvas, fps: p.manifest.fps, frames: p.manifest.frames_per_window }));
  const info = { packs: list, problems: engine.problems(), provider: engine.choice.providers[0], provider_reason: engine.choice.reason };
  if (json) process.stdout.write(JSON.stringify(info, null, 2) + '\n');
  else {
    for (const p of list) process.stdout.write(`${p.id} ${p.version}  ${p.canvas.width}x${p.canvas.height} ${p.fps} fps  ${p.source}  ${p.dir}\n`);
    for (const q of info.problems) process.stdout.write(`cannot load ${q.dir}: ${q.message}\n`);
    process.stdout.write(`provider: ${info.provider} (${info.provider_reason})\n`);
  }
  await engine.close();
  return list.length ? 0 : 1;
}

/** `studio bench [--out FILE] [--runs N] [--models DIR] [--pack ID] [--threads N]` (npm run bench). */
async function bench(argv: string[]): Promise<number> {
  const o = { out: path.resolve('bench', 'results.json'), runs: 5, models: [] as string[], pack: undefined as string | undefined, threads: undefined as number | undefined };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = argv[++i];
    if (v === undefined) {
      process.stderr.write(`studio bench: ${k} needs a value\n`);
      return 2;
    }
    if (k === '--out') o.out = path.resolve(v);
    else if (k === '--models') o.models.push(path.resolve(v));
    else if (k === '--pack') o.pack = v;
    else if (k === '--runs' || k === '--threads') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 64) {
        process.stderr.write(`studio bench: ${k} takes a whole number from 1 to 64, not ${JSON.stringify(v)}\n`);
        return 2;
      }
      if (k === '--runs') o.runs = n;
      else o.threads = n;
    } else {
      process.stderr.write(`studio bench: unknown option ${k} (--out FILE, --runs N, --threads N, --models DIR, --pack ID)\n`);
      return 2;
    }
  }
  const r = await runBench({ ...o, models: [userModelsDir(), ...o.models], log: (s) => process.stderr.write(s + '\n') });
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  process.stderr.write(`wrote ${o.out}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'bench') return bench(argv.slice(1));
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof ArgError) {
      process.stderr.write(`studio: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (args.command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.command === 'packs') return packs(args.models, args.json);
  return generate(args);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`studio: ${err.message}\n`);
      process.exit(1);
    },
  );
}
