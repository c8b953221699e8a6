/** Argument parsing of the headless `studio` command: pure, so its error messages are unit-tested. */
import type { TaskSpec } from '../engine/tasks';

export class ArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgError';
  }
}

export interface GenerateArgs {
  command: 'generate';
  prompt: string;
  seed: number;
  seedGiven: boolean;
  steps?: number;
  guidance?: number;
  aspect?: '16:9' | '1:1';
  out: string;
  task: TaskSpec;
  models: string[];
  pack?: string;
  overwrite: boolean;
  json: boolean;
  quiet: boolean;
}

export interface PacksArgs {
  command: 'packs';
  models: string[];
  json: boolean;
}

export type Args = GenerateArgs | PacksArgs | { command: 'help'; topic?: string };

const VALUE_OPTS = new Set(['--prompt', '--seed', '--steps', '--guidance', '--aspect', '--out', '--image', '--extend', '--direction', '--from', '--to', '--retake', '--range', '--overlap', '--models', '--pack']);
const FLAG_OPTS = new Set(['--overwrite', '--json', '--quiet', '--help']);

export const USAGE = `Usage: npm run studio -- <command> [options]

Commands:
  generate   make a clip (text-to-video, image-to-video, extension, in-filling, retake)
  packs      list the model packs found, and any that could not be loaded
  help       this text

generate options:
  --prompt TEXT            what the clip shows (required for text-to-video)
  --seed N                 whole number 0..2147483647 (default: a random seed, recorded in provenance)
  --steps N                sampling steps, 1..100 (default: the pack's)
  --guidance G             classifier-free guidance, 0..20 (default: the pack's for the task)
  --aspect 16:9|1:1        canvas (default 16:9; extension and retake follow the source clip)
  --out DIR                output folder: DIR/frames/0001.png..., DIR/clip.mp4, DIR/provenance.json
  --image FILE             image-to-video from a picture (PNG, JPEG, WebP)
  --extend DIR_OR_VIDEO --direction forward|backward
                           extend an earlier run's folder (or a video); writes only the new frames
  --overlap N              frames of the source clip the extension continues from (default: what the pack says, else 4)
  --from FILE --to FILE    in-fill between two pictures (or the end of one clip and the start of the next)
  --retake DIR --range A:B generate frames A..B (1-based, inclusive) of an earlier run again
  --models DIR             another folder of model packs (repeatable)
  --pack ID                which model pack (default: the built-in one)
  --overwrite              replace a non-empty --out folder
  --json                   print the provenance as JSON on stdout
  --quiet                  no progress on stderr
`;

function int(opt: string, v: string, min: number, max: number, what: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new ArgError(`${opt} takes ${what}, not ${JSON.stringify(v)}`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ArgError(`${opt} takes ${what}, not ${JSON.stringify(v)}`);
  return n;
}

/** Splits argv into options (supports --opt value and --opt=value); rejects unknown or repeated ones. */
function collect(argv: string[], repeatable: Set<string>): Map<string, string[]> {
  const opts = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new ArgError(`unexpected argument ${JSON.stringify(a)} (options start with --; run "npm run studio -- help")`);
    let name = a;
    let value: string | undefined;
    const eq = a.indexOf('=');
    if (eq > 0) {
      name = a.slice(0, eq);
      value = a.slice(eq + 1);
    }
    if (FLAG_OPTS.has(name)) {
      if (value !== undefined) throw new ArgError(`${name} takes no value`);
      opts.set(name, ['']);
      continue;
    }
    if (!VALUE_OPTS.has(name)) throw new ArgError(`unknown option ${name} (run "npm run studio -- help" for the options)`);
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || (value.startsWith('--') && VALUE_OPTS.has(value.split('=')[0]!)))
        throw new ArgError(`${name} needs a value`);
    }
    const prev = opts.get(name);
    if (prev && !repeatable.has(name)) throw new ArgError(`${name} is given twice`);
    opts.set(name, [...(prev ?? []), value]);
  }
  return opts;
}

export function parseArgs(argv: string[], random: () => number = Math.random): Args {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') return { command: 'help', topic: rest[0] };
  if (command === 'packs') {
    const o = collect(rest, new Set(['--models']));
    for (const k of o.keys()) if (!['--models', '--json'].includes(k)) throw new ArgError(`packs does not take ${k} (it takes --models DIR and --json)`);
    return { command: 'packs', models: o.get('--models') ?? [], json: o.has('--json') };
  }
  if (command !== 'generate') throw new ArgError(`unknown command ${JSON.stringify(command)} (commands: generate, packs, help)`);
  const o = collect(rest, new Set(['--models']));
  if (o.has('--help')) return { command: 'help', topic: 'generate' };
  const one = (k: string) => o.get(k)?.[0];

  const out = one('--out');
  if (!out || !out.trim()) throw new ArgError('--out DIR is required: the folder to write frames/, clip.mp4 and provenance.json into');

  const seedStr = one('--seed');
  const seed = seedStr !== undefined ? int('--seed', seedStr, 0, 2 ** 31 - 1, 'a whole number from 0 to 2147483647') : Math.floor(random() * 2 ** 31);
  const steps = one('--steps') !== undefined ? int('--steps', one('--steps')!, 1, 100, 'a whole number of steps from 1 to 100') : undefined;
  let guidance: number | undefined;
  if (one('--guidance') !== undefined) {
    const g = one('--guidance')!;
    const n = Number(g);
    if (!g.trim() || !Number.isFinite(n) || n < 0 || n > 20) throw new ArgError(`--guidance takes a number from 0 to 20 (e.g. 3 or 4.5), not ${JSON.stringify(g)}`);
    guidance = n;
  }
  const aspectStr = one('--aspect');
  if (aspectStr !== undefined && aspectStr !== '16:9' && aspectStr !== '1:1') throw new ArgError(`--aspect takes 16:9 or 1:1, not ${JSON.stringify(aspectStr)}`);
  const aspect = aspectStr as '16:9' | '1:1' | undefined;

  const tasks = ['--image', '--extend', '--from', '--retake'].filter((k) => o.has(k));
  if (o.has('--to') && !o.has('--from')) tasks.push('--to');
  if (tasks.length > 1) throw new ArgError(`choose one task: ${tasks.join(' and ')} cannot be used together (--image, --extend, --from/--to, --retake)`);
  const bad = (opt: string, needs: string) => {
    if (o.has(opt)) throw new ArgError(`${opt} only goes with ${needs}`);
  };
  let task: TaskSpec;
  const t = tasks[0];
  if (t === '--image') {
    task = { kind: 'image-to-video', image: one('--image')! };
  } else if (t === '--extend') {
    const d = one('--direction');
    if (d === undefined) throw new ArgError('--extend needs --direction forward|backward');
    if (d !== 'forward' && d !== 'backward') throw new ArgError(`--direction takes forward or backward, not ${JSON.stringify(d)}`);
    const ov = one('--overlap');
    task = { kind: 'extend', source: one('--extend')!, direction: d, ...(ov !== undefined ? { overlap: int('--overlap', ov, 1, 64, 'a whole number of frames from 1 to 64') } : {}) };
  } else if (t === '--from' || t === '--to') {
    if (!o.has('--to')) throw new ArgError('--from FILE needs --to FILE (in-filling goes between two pictures or clips)');
    if (!o.has('--from')) throw new ArgError('--to FILE needs --from FILE (in-filling goes between two pictures or clips)');
    task = { kind: 'infill', from: one('--from')!, to: one('--to')! };
  } else if (t === '--retake') {
    const r = one('--range');
    if (r === undefined) throw new ArgError('--retake needs --range A:B (frame numbers as in the file names, 1-based, inclusive)');
    const m = /^(\d+):(\d+)$/.exec(r.trim());
    if (!m) throw new ArgError(`--range takes A:B, two frame numbers as in the file names (1-based, inclusive), e.g. 5:9, not ${JSON.stringify(r)}`);
    const A = Number(m[1]);
    const B = Number(m[2]);
    if (A < 1 || B < A) throw new ArgError(`--range takes A:B with 1 <= A <= B, not ${JSON.stringify(r)}`);
    task = { kind: 'retake', source: one('--retake')!, range: [A, B] };
  } else {
    task = { kind: 'text-to-video' };
  }
  if (task.kind !== 'extend') {
    bad('--direction', '--extend');
    bad('--overlap', '--extend');
  }
  if (task.kind !== 'retake') bad('--range', '--retake');
  const prompt = one('--prompt') ?? '';
  if (task.kind === 'text-to-video' && !prompt.trim()) throw new ArgError('--prompt TEXT is required for text-to-video (or give --image, --extend, --from/--to or --retake)');
  if (prompt.length > 2000) throw new ArgError('--prompt takes at most 2000 characters');

  return {
    command: 'generate',
    prompt,
    seed,
    seedGiven: seedStr !== undefined,
    steps,
    guidance,
    aspect,
    out,
    task,
    models: o.get('--models') ?? [],
    pack: one('--pack'),
    overwrite: o.has('--overwrite'),
    json: o.has('--json'),
    quiet: o.has('--quiet'),
  };
}
