/**
 * Model pack discovery and checking. A pack is a folder with manifest.json, its ONNX graphs and its
 * vocabulary. A missing, damaged or tampered pack is reported with a message naming the file; the
 * other packs still load.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { GRAPH_NAMES, Manifest, Vocab, type GraphName, type Reading } from './manifest';
import { describeZodError as describeZod } from '../contract';

export interface Pack {
  dir: string;
  manifest: Manifest;
  words: string[];
  /** The vocabulary's word readings (empty for packs without them: up to 0.9.0). */
  readings: Reading[];
  /** sha256 of manifest.json: names the exact pack (the manifest holds every graph's sha256). */
  sha256: string;
  graphFiles: Record<GraphName, string>;
  source: 'built-in' | 'user';
}

export interface PackProblem {
  dir: string;
  file: string;
  message: string;
}

export class PackError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'PackError';
  }
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Reads and checks one pack folder; throws PackError naming the file at fault. */
export async function loadPack(dir: string, source: Pack['source'] = 'user', opts: { verify?: boolean } = {}): Promise<Pack> {
  const mf = path.join(dir, 'manifest.json');
  if (!existsSync(mf)) throw new PackError(mf, `model pack ${dir}: manifest.json is missing (${mf})`);
  const raw = readFileSync(mf);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new PackError(mf, `model pack ${dir}: ${mf} is not valid JSON (${(err as Error).message})`);
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) throw new PackError(mf, `model pack ${dir}: ${mf} does not match the manifest format: ${describeZod(parsed.error)}`);
  const manifest = parsed.data;
  const graphFiles = {} as Record<GraphName, string>;
  for (const g of GRAPH_NAMES) {
    const spec = manifest.graphs[g];
    const file = path.join(dir, spec.file);
    if (!existsSync(file)) throw new PackError(file, `model pack ${manifest.id}: graph file ${file} (${g}) is missing`);
    if (opts.verify !== false) {
      const sum = await sha256File(file);
      if (sum !== spec.sha256.toLowerCase())
        throw new PackError(file, `model pack ${manifest.id}: ${file} (${g}) is damaged or was changed: its sha256 is ${sum}, the manifest says ${spec.sha256}`);
    }
    graphFiles[g] = file;
  }
  const vf = path.join(dir, manifest.text.vocab_file);
  if (!existsSync(vf)) throw new PackError(vf, `model pack ${manifest.id}: vocabulary ${vf} is missing`);
  let vocab: Vocab;
  try {
    const v = Vocab.safeParse(JSON.parse(readFileSync(vf, 'utf8')));
    if (!v.success) throw new Error(describeZod(v.error));
    vocab = v.data;
  } catch (err) {
    throw new PackError(vf, `model pack ${manifest.id}: vocabulary ${vf} is unreadable (${(err as Error).message})`);
  }
  const sha256 = createHash('sha256').update(raw).digest('hex');
  return { dir, manifest, words: vocab.words, readings: vocab.readings ?? [], sha256, graphFiles, source };
}

/** The built-in packs folder: resources/models next to the app (dev tree, or Electron's resourcesPath). */
export function builtInModelsDir(): string {
  const candidates: string[] = [];
  const rp = (process as { resourcesPath?: string }).resourcesPath;
  if (rp) candidates.push(path.join(rp, 'models'), path.join(rp, 'resources', 'models'));
  if (process.env.STUDIO_RESOURCES) candidates.push(path.join(process.env.STUDIO_RESOURCES, 'models'));
  // dist/main/*.js -> ../../resources ; main/engine/*.ts -> ../../resources
  candidates.push(path.resolve(__dirname, '..', '..', 'resources', 'models'), path.resolve(process.cwd(), 'resources', 'models'));
  return candidates.find((c) => existsSync(c)) ?? candidates[candidates.length - 1]!;
}

export interface Discovery {
  packs: Pack[];
  problems: PackProblem[];
}

/** Finds every pack in the given folders (each folder holds pack folders). Later folders win on equal ids. */
export async function discoverPacks(folders: { dir: string; source: Pack['source'] }[], opts: { verify?: boolean } = {}): Promise<Discovery> {
  const byId = new Map<string, Pack>();
  const problems: PackProblem[] = [];
  for (const { dir, source } of folders) {
    if (!existsSync(dir)) continue;
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch (err) {
      problems.push({ dir, file: dir, message: `models folder ${dir} cannot be read: ${(err as Error).message}` });
      continue;
    }
    for (const name of entries) {
      const pdir = path.join(dir, name);
      try {
        if (!statSync(pdir).isDirectory() || name.startsWith('.')) continue;
      } catch {
        continue;
      }
      try {
        const pack = await loadPack(pdir, source, opts);
        byId.set(pack.manifest.id, pack);
      } catch (err) {
        const file = err instanceof PackError ? err.file : pdir;
        problems.push({ dir: pdir, file, message: (err as Error).message });
      }
    }
  }
  return { packs: [...byId.values()], problems };
}
