/**
 * The browser host: serves the built renderer and carries the contract over a WebSocket, so the
 * same renderer runs in Chromium (tests, machines without the Electron binary).
 *
 * It is a development and test door, not a network server: it binds 127.0.0.1 only and every
 * request must carry the per-run secret token (in the URL it prints, then in a same-site cookie).
 * A request without it gets 403 and nothing else.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { dispatch, type Handlers } from '../dispatch';
import type { Services } from '../services';
import { CONTENT_SECURITY_POLICY } from './csp';

const COOKIE = 'studio_token';
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface BrowserHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function tokenOf(req: http.IncomingMessage): string | null {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const q = url.searchParams.get('token');
  if (q) return q;
  const cookie = req.headers.cookie ?? '';
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return null;
}

/** Library media by hash, with byte ranges so video elements can seek. */
function serveMedia(services: Services, sha256: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const found = services.library?.media.find(sha256);
  if (!found) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    return;
  }
  const size = fs.statSync(found.file).size;
  const headers: Record<string, string | number> = { 'content-type': found.mime, 'accept-ranges': 'bytes', 'cache-control': 'private, max-age=31536000, immutable' };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start > end || start >= size) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': end - start + 1 });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(found.file, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': size });
  if (req.method === 'HEAD') res.end();
  else fs.createReadStream(found.file).pipe(res);
}

export async function startBrowserHost(opts: {
  services: Services;
  handlers: Handlers;
  rendererDir: string;
  port: number;
  token?: string;
}): Promise<BrowserHost> {
  const token = opts.token ?? crypto.randomBytes(24).toString('hex');
  const root = path.resolve(opts.rendererDir);
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    throw new Error(`The renderer is not built (${path.join(root, 'index.html')} is missing). Run: npm run build`);
  }
  const authorised = (req: http.IncomingMessage) => {
    const t = tokenOf(req);
    return t !== null && safeEqual(t, token);
  };

  const server = http.createServer((req, res) => {
    if (!authorised(req)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const media = /^\/media\/([0-9a-f]{64})\.([a-z0-9]{1,5})$/.exec(url.pathname);
    if (media) {
      serveMedia(opts.services, media[1]!, req, res);
      return;
    }
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/' || !path.extname(rel)) rel = '/index.html';
    const file = path.resolve(root, '.' + rel);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    const headers: Record<string, string> = {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    if (url.searchParams.get('token')) {
      headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const origin = req.headers.origin;
    const port = (server.address() as AddressInfo).port;
    const sameOrigin = !origin || origin === `http://127.0.0.1:${port}`;
    if (!authorised(req) || !sameOrigin || new URL(req.url ?? '/', 'http://x').pathname !== '/ws') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', async (data) => {
      let msg: { id?: unknown; name?: unknown; input?: unknown };
      try {
        msg = JSON.parse(String(data));
      } catch {
        return; // not ours: ignore rather than echo anything back
      }
      const reply = await dispatch(opts.handlers, msg.name, msg.input);
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, reply }));
    });
  });

  const stopEvents = opts.services.onEvent((name, payload) => {
    const text = JSON.stringify({ event: name, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      stopEvents();
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      // server.close() alone waits for every open connection to end, and an open tab holds some (a
      // request still being sent, a video still streaming): the host must stop when asked.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
