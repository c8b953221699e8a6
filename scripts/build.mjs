// Builds everything the app runs: the main process entries and the preload (esbuild), the
// renderer (Vite). Native and heavy modules stay external and load from node_modules.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const external = ['electron', 'better-sqlite3', 'onnxruntime-node', 'fluent-ffmpeg', '@ffmpeg-installer/ffmpeg', '@ffprobe-installer/ffprobe', 'ws', 'bufferutil', 'utf-8-validate'];
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external,
  define: { __STUDIO_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
  absWorkingDir: root,
};

export async function buildAll({ quiet = false } = {}) {
  await Promise.all([
    build({ ...common, entryPoints: { electron: 'main/electron-main.ts', 'browser-host': 'main/browser-main.ts', studio: 'main/cli/studio.ts' }, outdir: 'dist/main' }),
    // The sandboxed preload carries the contract's names (and zod with them): keep it small.
    build({ ...common, minify: true, entryPoints: { preload: 'preload/preload.ts' }, outdir: 'dist/preload' }),
  ]);
  execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', quiet ? 'error' : 'warn'], { cwd: root, stdio: 'inherit' });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildAll().catch((err) => {
    console.error(err.message ?? err);
    process.exit(1);
  });
}
