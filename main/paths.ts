import os from 'node:os';
import path from 'node:path';

/** The user's data folder for Studio, the same place Electron's app.getPath('userData') points to. */
export function userDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Studio');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Studio');
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Studio');
}

export function defaultLibraryDir(): string {
  return path.join(userDataDir(), 'library');
}

/** Command-line flags shared by both hosts: --library DIR, --port N, --browser, --models DIR. */
export interface HostFlags {
  library: string;
  port: number;
  browser: boolean;
  /** Extra model pack folders, besides the built-in packs and the user's models folder. */
  models: string[];
}

/** The user's models folder: larger packs dropped here are found at start. */
export function userModelsDir(): string {
  return path.join(userDataDir(), 'models');
}

export function parseHostFlags(argv: string[]): HostFlags {
  const flags: HostFlags = { library: defaultLibraryDir(), port: 0, browser: false, models: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--browser') flags.browser = true;
    else if (a === '--library') flags.library = path.resolve(value());
    else if (a.startsWith('--library=')) flags.library = path.resolve(a.slice('--library='.length));
    else if (a === '--models') flags.models.push(path.resolve(value()));
    else if (a.startsWith('--models=')) flags.models.push(path.resolve(a.slice('--models='.length)));
    else if (a === '--port' || a.startsWith('--port=')) {
      const v = a === '--port' ? value() : a.slice('--port='.length);
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port takes a whole number from 0 to 65535 (0 = any free port), not ${JSON.stringify(v)}`);
      flags.port = n;
    }
  }
  return flags;
}
