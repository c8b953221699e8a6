// npm run bench [-- --runs N --threads N --models DIR --pack ID --out FILE]: builds when stale, then
// measures the engine on this machine and writes bench/results.json (see main/cli/bench.ts).
import { ensureBuilt, runNode, studioJs } from './studio.mjs';

try {
  await ensureBuilt();
} catch (err) {
  console.error(`build failed: ${err.message ?? err}`);
  process.exit(1);
}
process.exit(await runNode(studioJs, ['bench', ...process.argv.slice(2)]));
