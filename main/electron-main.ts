/**
 * The Electron host: one window with the safe settings, the contract over ipcMain.
 * Services are created here and know nothing of Electron.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain, net, protocol, session, shell } from 'electron';
import { CHANNELS, MEDIA_SCHEME } from './contract';
import { dispatch } from './dispatch';
import { parseHostFlags, userModelsDir } from './paths';
import { createHandlers, Services } from './services';
import { CONTENT_SECURITY_POLICY } from './hosts/csp';
import { secureWebPreferences } from './hosts/window-options';

const flags = parseHostFlags(process.argv.slice(1));
let services: Services | null = null;
let win: BrowserWindow | null = null;

// Library media (videos, frames) reach the renderer through our own scheme, read-only, by hash.
protocol.registerSchemesAsPrivileged([{ scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } }]);

// One instance per library: a second start focuses the first window.
if (!app.requestSingleInstanceLock()) app.quit();
app.on('second-instance', () => {
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});

// No remote content anywhere, whatever a page tries.
app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Links to documentation open in the person's browser, never inside the app.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

async function createWindow(): Promise<void> {
  services = new Services({ libraryDir: flags.library, host: 'electron', userModelDirs: [userModelsDir(), ...flags.models] });
  const handlers = createHandlers(services);
  const lib = services.library;
  protocol.handle(MEDIA_SCHEME, (request) => {
    const m = /^\/([0-9a-f]{64})\.[a-z0-9]{1,5}$/.exec(new URL(request.url).pathname);
    const found = m && lib ? lib.media.find(m[1]!) : null;
    if (!found) return new Response('Not found', { status: 404 });
    return net.fetch(pathToFileURL(found.file).toString());
  });

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#111214',
    title: 'Studio',
    show: false,
    webPreferences: secureWebPreferences(path.join(__dirname, '..', 'preload', 'preload.js')),
  });
  const ownId = win.webContents.id;

  ipcMain.handle(CHANNELS.invoke, async (event, name: unknown, input: unknown) => {
    // Only our own window may call the services.
    if (event.sender.id !== ownId) return { ok: false, error: { code: 'unknown_call', message: 'Not our window.' } };
    return dispatch(handlers, name, input);
  });
  services.onEvent((name, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send(CHANNELS.event, name, payload);
  });

  win.once('ready-to-show', () => win?.show());
  await win.loadFile(path.join(__dirname, '..', 'renderer', 'index.html'));
}

app.whenReady().then(createWindow, (err) => {
  console.error('Studio could not start:', err);
  app.exit(1);
});
app.on('window-all-closed', () => {
  // Running generations are cancelled and their takes marked so; the library closes cleanly.
  void (services?.close() ?? Promise.resolve()).finally(() => app.quit());
});
