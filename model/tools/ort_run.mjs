// Run one ONNX graph with onnxruntime-node on inputs saved by Python (used by the parity test).
// usage: node model/tools/ort_run.mjs <dir>
//   <dir>/spec.json: {"graph": "/abs/path.onnx", "inputs": {"name": {"dtype": "float32"|"int64", "shape": [..], "file": "name.bin"}}}
//   writes <dir>/out_<name>.bin (raw little-endian float32) and <dir>/outputs.json {"name": {"dtype", "shape", "file"}}
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(root, 'package.json'));
const ort = require('onnxruntime-node');

const dir = process.argv[2];
const spec = JSON.parse(readFileSync(path.join(dir, 'spec.json'), 'utf8'));
const feeds = {};
for (const [name, d] of Object.entries(spec.inputs)) {
  const buf = readFileSync(path.join(dir, d.file));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const data = d.dtype === 'int64' ? new BigInt64Array(ab) : new Float32Array(ab);
  feeds[name] = new ort.Tensor(d.dtype, data, d.shape);
}
const session = await ort.InferenceSession.create(spec.graph, { executionProviders: ['cpu'], intraOpNumThreads: 2 });
const results = await session.run(feeds);
const outs = {};
for (const [name, t] of Object.entries(results)) {
  const file = `out_${name}.bin`;
  writeFileSync(path.join(dir, file), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  outs[name] = { dtype: t.type, shape: t.dims, file };
}
writeFileSync(path.join(dir, 'outputs.json'), JSON.stringify(outs));
