import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { repoRoot } from './studio-process';

/** Builds the app once per test run when dist/ is missing (npm test builds it beforehand). */
export async function buildOnce(): Promise<void> {
  if (fs.existsSync(path.join(repoRoot, 'dist', 'main', 'browser-host.js')) && fs.existsSync(path.join(repoRoot, 'dist', 'renderer', 'index.html'))) return;
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
}
