/**
 * Entry point of the browser host: `node dist/main/browser-host.js [--port N] [--library DIR]`.
 * Prints one line, `Studio: http://127.0.0.1:PORT/?token=...`, then serves until stopped.
 */
import path from 'node:path';
import { parseHostFlags, userModelsDir } from './paths';
import { createHandlers, Services } from './services';
import { startBrowserHost } from './hosts/browser-host';

async function main(): Promise<void> {
  let flags;
  try {
    flags = parseHostFlags(process.argv.slice(2));
  } catch (err) {
    console.error(`studio: ${(err as Error).message}`);
    process.exit(2);
  }
  const services = new Services({ libraryDir: flags.library, host: 'browser', userModelDirs: [userModelsDir(), ...flags.models] });
  if (!services.libraryStatus.ok) console.error(`Studio: ${services.libraryStatus.message}`);
  const host = await startBrowserHost({
    services,
    handlers: createHandlers(services),
    rendererDir: path.join(__dirname, '..', 'renderer'),
    port: flags.port,
  });
  console.log(`Studio: ${host.url}`);
  const stop = async () => {
    await host.close();
    await services.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(`Studio could not start: ${(err as Error).message}`);
  process.exit(1);
});
