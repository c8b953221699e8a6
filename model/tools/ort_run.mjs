// Run ONNX graphs with onnxruntime-node (the app's runtime) on inputs saved by Python.
// usage: node model/tools/ort_run.mjs <dir>     one run (the parity tests)
//        node model/tools/ort_run.mjs --serve   one run per line of stdin (a <dir>), answered on stdout
//                                               with "ok" or "error <message>"; each graph's session is
//                                               made once (model/tools/ort_engine.py: the evaluation)
//   <dir>/spec.json: {"graph": "/abs/path.onnx", "inputs": {"name": {"dtype": "float32"|"int64", "shape": [..], "file": "name.bin"}}}
//   writes <dir>/out_<name>.bin (raw little-endian float32) and <dir>/outputs.json {"name": {"dtype", "shape", "file"}}
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(root, 'package.json'));
const ort = require('onnxruntime-node');

const threads = Number(process.env.ORT_THREADS || 2);
const sessions = new Map();

async function run(dir) {
  const spec = JSON.parse(readFileSync(path.join(dir, 'spec.json'), 'utf8'));
  const feeds = {};
  for (const [name, d] of Object.entries(spec.inputs)) {
    const buf = readFileSync(path.join(dir, d.file));
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const data = d.dtype === 'int64' ? new BigInt64Array(ab) : new Float32Array(ab);
    feeds[name] = new ort.Tensor(d.dtype, data, d.shape);
  }
  if (!sessions.has(spec.graph))
    sessions.set(spec.graph, await ort.InferenceSession.create(spec.graph, { executionProviders: ['cpu'], intraOpNumThreads: threads }));
  const results = await sessions.get(spec.graph).run(feeds);
  const outs = {};
  for (const [name, t] of Object.entries(results)) {
    const file = `out_${name}.bin`;
    writeFileSync(path.join(dir, file), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    outs[name] = { dtype: t.type, shape: t.dims, file };
  }
  writeFileSync(path.join(dir, 'outputs.json'), JSON.stringify(outs));
}

if (process.argv[2] === '--serve') {
  for await (const line of readline.createInterface({ input: process.stdin })) {
    try {
      await run(line.trim());
      process.stdout.write('ok\n');
    } catch (e) {
      process.stdout.write(`error ${String(e?.message ?? e).replace(/\s+/g, ' ')}\n`);
    }
  }
} else {
  await run(process.argv[2]);
}
