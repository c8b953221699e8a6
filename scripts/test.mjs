// `npm test`: every test of the project, in one go, on a fresh clone with no step beforehand.
// Type check, unit + integration (Vitest: real SQLite, real onnxruntime, real ffmpeg), the model's
// tests (pytest), then end-to-end (Playwright driving Chromium against the browser host).
// Ends with one summary line: `Total: N passed, N failed`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureChromium, ensureNodeModules, ensurePython, PYTHON, root } from './setup.mjs';

const only = process.argv.slice(2); // e.g. `npm test -- unit e2e`
const want = (stage) => only.length === 0 || only.includes(stage);
const results = [];
const started = Date.now();

function run(label, cmd, args, env = {}) {
  console.log(`\n=== ${label} ===`);
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`--- ${label}: exit ${r.status} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return r.status ?? 1;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
  } catch {
    return null;
  }
}

await ensureNodeModules();
fs.rmSync(path.join(root, 'test-results'), { recursive: true, force: true });
fs.mkdirSync(path.join(root, 'test-results'), { recursive: true });
const { buildAll } = await import('./build.mjs');
await buildAll({ quiet: true });
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

if (want('types')) {
  const code = run('type check', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  results.push({ stage: 'types', passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 });
}

if (want('unit')) {
  const code = run('unit + integration (vitest)', bin('vitest'), ['run']);
  const rep = readJson('test-results/vitest-report.json');
  // Skipped and todo tests count as failures: a test that did not run proved nothing.
  const failed = rep ? rep.numFailedTests + rep.numPendingTests + rep.numTodoTests : 1;
  results.push({ stage: 'vitest', passed: rep ? rep.numPassedTests : 0, failed: code !== 0 && failed === 0 ? 1 : failed });
}

if (want('model') && fs.existsSync(path.join(root, 'model', 'tests'))) {
  ensurePython();
  const junit = path.join(root, 'test-results', 'pytest.xml');
  const code = run('model (pytest)', PYTHON, ['-m', 'pytest', 'model/tests', '-q', '-p', 'no:cacheprovider', `--junitxml=${junit}`], { PYTHONDONTWRITEBYTECODE: '1' });
  const xml = fs.existsSync(junit) ? fs.readFileSync(junit, 'utf8') : '';
  const attr = (name) => Number((new RegExp(`<testsuite[^>]*\\b${name}="(\\d+)"`).exec(xml) ?? [])[1] ?? 0);
  const total = attr('tests');
  const bad = attr('failures') + attr('errors');
  const skipped = attr('skipped');
  // A skipped test is not a pass, and pytest's "no tests ran" is a failure here.
  results.push({ stage: 'pytest', passed: total - bad - skipped, failed: bad + skipped + (code !== 0 && bad === 0 ? 1 : 0) });
}

if (want('e2e')) {
  ensureChromium();
  const code = run('end-to-end (playwright, chromium)', bin('playwright'), ['test', '-c', 'test/e2e/playwright.config.ts']);
  const rep = readJson('test-results/e2e-report.json');
  const s = rep?.stats ?? {};
  const failed = (s.unexpected ?? 0) + (s.flaky ?? 0) + (s.skipped ?? 0);
  results.push({ stage: 'e2e', passed: s.expected ?? 0, failed: code !== 0 && failed === 0 ? 1 : failed });
}

const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
console.log('\n' + results.map((r) => `${r.stage}: ${r.passed} passed, ${r.failed} failed`).join('\n'));
console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s; screenshots in test-results/screenshots)`);
console.log(`Total: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
