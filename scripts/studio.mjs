// npm run studio -- <command> [options]: builds dist/ when the sources are newer, then runs the
// headless command (dist/main/studio.js) with the arguments, passing its exit code through.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const studioJs = path.join(root, 'dist', 'main', 'studio.js');

function newest(p) {
  let t = 0;
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const e of readdirSync(p)) if (!e.startsWith('.') && e !== 'node_modules') t = Math.max(t, newest(path.join(p, e)));
  } else t = st.mtimeMs;
  return t;
}

/** Builds when dist/main/studio.js is missing or older than main/, preload/, renderer/ or package.json. */
export async function ensureBuilt() {
  const built = existsSync(studioJs) ? statSync(studioJs).mtimeMs : 0;
  const sources = ['main', 'package.json', 'scripts/build.mjs'].map((p) => path.join(root, p)).filter(existsSync);
  if (built && sources.every((s) => newest(s) <= built)) return;
  process.stderr.write('building (sources changed)...\n');
  const { buildAll } = await import('./build.mjs');
  await buildAll({ quiet: true });
}

export function runNode(script, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit', cwd: process.cwd() });
    const fwd = (sig) => child.kill(sig);
    process.on('SIGINT', fwd);
    process.on('SIGTERM', fwd);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', fwd);
      process.off('SIGTERM', fwd);
      resolve(code ?? (signal ? 128 + 2 : 1));
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await ensureBuilt();
  } catch (err) {
    console.error(`build failed: ${err.message ?? err}`);
    process.exit(1);
  }
  process.exit(await runNode(studioJs, process.argv.slice(2)));
}
