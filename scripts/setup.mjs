// What a fresh clone needs before it can build, run or test: node modules, and for the tests
// Chromium and Debian's Python packages. Finds them, installs them where it can (Debian, as root),
// and otherwise names exactly what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** True when the internet answers; the Electron binary and the CUDA provider download from it. */
async function online() {
  if (process.env.STUDIO_OFFLINE === '1') return false;
  try {
    await Promise.race([dns.lookup('github.com'), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 4000))]);
    return true;
  } catch {
    return false;
  }
}

function stamp() {
  const lock = path.join(root, 'package-lock.json');
  const pkg = path.join(root, 'package.json');
  return [pkg, lock].filter((f) => fs.existsSync(f)).map((f) => fs.statSync(f).mtimeMs).join(':');
}

export async function ensureNodeModules() {
  const marker = path.join(root, 'node_modules', '.studio-installed');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === stamp()) return;
  const env = { ...process.env };
  if (!(await online())) {
    // No internet (CI, these build machines): skip the two install steps that download from
    // GitHub/NuGet. The app then runs in the browser host on the CPU provider.
    env.ELECTRON_SKIP_BINARY_DOWNLOAD = '1';
    env.ONNXRUNTIME_NODE_INSTALL = 'skip';
    console.log('studio: offline install (no Electron binary, no CUDA provider download)');
  }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // `npm install`, not `npm ci`: npm 11 writes lock files without the other platforms' optional
  // packages (rollup's, esbuild's), which `npm ci` then refuses as out of sync. The lock still pins versions.
  const r = spawnSync(npm, ['install', '--no-audit', '--no-fund'], { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm install failed (exit ${r.status})`);
  fs.writeFileSync(marker, stamp());
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function haveApt() {
  return fs.existsSync('/usr/bin/apt-get');
}

function aptInstall(packages, why) {
  if (!(haveApt() && isRoot())) {
    throw new Error(`${why} Install it: ${haveApt() ? 'sudo apt-get install -y ' + packages.join(' ') : packages.join(', ') + ' (with your system package manager)'}`);
  }
  console.log(`studio: installing ${packages.join(' ')} (${why})`);
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

export function chromiumPath() {
  for (const c of [process.env.STUDIO_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) if (c && fs.existsSync(c)) return c;
  return null;
}

export function ensureChromium() {
  if (chromiumPath()) return;
  aptInstall(['chromium'], 'The end-to-end tests drive Chromium and none was found (or set STUDIO_CHROMIUM=/path/to/chrome).');
}

export const PYTHON = process.env.STUDIO_PYTHON ?? '/usr/bin/python3';

/** Debian's PyTorch/ONNX for the model's tests (PyPI is unreachable on the build machines). */
export function ensurePython() {
  const probe = () => spawnSync(PYTHON, ['-c', 'import torch, onnx, numpy, PIL, pytest'], { stdio: 'ignore' }).status === 0;
  if (probe()) return;
  aptInstall(
    ['python3', 'python3-torch', 'python3-onnx', 'python3-numpy', 'python3-pil', 'python3-pytest', 'libopenblas0-pthread'],
    `The model's tests need PyTorch, ONNX, NumPy, Pillow and pytest for ${PYTHON}.`,
  );
  if (!probe()) throw new Error(`${PYTHON} still cannot import torch, onnx, numpy, PIL and pytest.`);
}
