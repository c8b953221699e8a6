/**
 * Starts the real browser host (the built app, dist/) as a child process on a temporary library,
 * the way `npm start -- --browser` does, and hands back the URL it prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

export interface RunningStudio {
  url: string;
  origin: string;
  library: string;
  output: () => string;
  stop: () => Promise<void>;
  /** Kills the process outright, as a crash or a power cut would. */
  crash: () => Promise<void>;
}

/** Every host started in this test process, so a failed e2e test can attach what each printed. */
const hosts: { output: () => string; started: number; exited?: number }[] = [];

/** The output of every host that was running at some moment since `since` (ms since the epoch), oldest first. */
export function hostOutputsSince(since: number): string[] {
  return hosts.filter((h) => h.exited === undefined || h.exited >= since).map((h) => h.output());
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `studio-${prefix}-`));
}

export async function startStudio(opts: { library?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<RunningStudio> {
  const library = opts.library ?? tempDir('lib');
  const entry = path.join(repoRoot, 'dist', 'main', 'browser-host.js');
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
  const child: ChildProcess = spawn(process.execPath, [entry, '--port', '0', '--library', library, ...(opts.args ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const record: (typeof hosts)[number] = { output: () => out, started: Date.now() };
  hosts.push(record);
  child.once('exit', () => (record.exited = Date.now()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The browser host printed no URL within 20 s:\n${out}`)), 20_000);
    const check = () => {
      const m = /^Studio: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The browser host exited with ${code}:\n${out}`));
    });
  });
  const end = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return {
    url,
    origin: new URL(url).origin,
    library,
    output: () => out,
    stop: () => end('SIGTERM'),
    crash: () => end('SIGKILL'),
  };
}
