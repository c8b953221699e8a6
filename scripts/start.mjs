// `npm start`: installs what is missing, builds, then opens the Electron window where the Electron
// binary exists, or starts the browser host (one line: `Studio: http://127.0.0.1:PORT/?token=...`).
// Flags: --browser, --port N, --library DIR.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ensureNodeModules, root } from './setup.mjs';

const args = process.argv.slice(2);
await ensureNodeModules();
const { buildAll } = await import('./build.mjs');
await buildAll({ quiet: true });

function electronBinary() {
  try {
    const p = createRequire(path.join(root, 'package.json'))('electron');
    return typeof p === 'string' && fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

const electron = args.includes('--browser') ? null : electronBinary();
const [cmd, cmdArgs] = electron ? [electron, [root, ...args]] : [process.execPath, [path.join(root, 'dist/main/browser-host.js'), ...args]];
if (!electron && !args.includes('--browser')) console.error('studio: no Electron binary here; starting the browser host instead.');
const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
