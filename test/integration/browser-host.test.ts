import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { repoRoot, startStudio, type RunningStudio } from '../support/studio-process';
import { buildOnce } from '../support/build';

// The real browser host, started the way `npm start -- --browser` starts it.
let studio: RunningStudio;
beforeAll(async () => {
  await buildOnce();
  studio = await startStudio();
});
afterAll(async () => studio?.stop());

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

function call(ws: WebSocket, id: number, name: string, input: unknown): Promise<any> {
  return new Promise((resolve) => {
    const onMsg = (d: WebSocket.RawData) => {
      const m = JSON.parse(String(d));
      if (m.id === id) {
        ws.off('message', onMsg);
        resolve(m.reply);
      }
    };
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ id, name, input }));
  });
}

function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('the browser host', () => {
  it('prints a loopback URL with a long random token', () => {
    expect(studio.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    void repoRoot;
  });

  it('answers 403 and nothing else without the token, or with a wrong one', async () => {
    for (const url of [`${studio.origin}/`, `${studio.origin}/index.html`, `${studio.origin}/assets/x.js`, `${studio.origin}/?token=${'0'.repeat(48)}`]) {
      const r = await get(url);
      expect(r.status).toBe(403);
      expect(r.body).toBe('Forbidden');
      expect(r.headers['set-cookie']).toBeUndefined();
    }
  });

  it('serves the renderer with the token, with the CSP and a same-site cookie for its assets', async () => {
    const r = await get(studio.url);
    expect(r.status).toBe(200);
    expect(r.body).toContain('<div id="root">');
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    const cookie = r.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(r.body)![1]!;
    expect((await get(`${studio.origin}/${asset}`, { cookie: cookie.split(';')[0]! })).status).toBe(200);
    // A path that climbs out of the renderer folder is refused, encoded or not.
    const climb = await get(`${studio.origin}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd.js`, { cookie: cookie.split(';')[0]! });
    expect(climb.status).toBe(404);
    expect(climb.body).not.toContain('root:');
  });

  it('listens on 127.0.0.1 only', async () => {
    const port = new URL(studio.url).port;
    const os = await import('node:os');
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      await expect(get(`http://${external.address}:${port}/?token=x`)).rejects.toThrow(/ECONNREFUSED/);
    }
    await expect(get(`http://[::1]:${port}/`)).rejects.toThrow();
  });

  it('refuses a WebSocket without the token or from another origin', async () => {
    const ws = studio.origin.replace('http', 'ws') + '/ws';
    await expect(openSocket(ws)).rejects.toThrow(/403/);
    const token = new URL(studio.url).searchParams.get('token');
    await expect(openSocket(`${ws}?token=${token}`, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
  });

  it('carries the contract: validated calls, typed errors, real library', async () => {
    const token = new URL(studio.url).searchParams.get('token');
    const ws = await openSocket(`${studio.origin.replace('http', 'ws')}/ws?token=${token}`, { origin: studio.origin });
    const created = await call(ws, 1, 'projects.create', { name: 'Over the wire' });
    expect(created).toMatchObject({ ok: true, value: { name: 'Over the wire', cardCount: 0 } });
    const card = await call(ws, 2, 'cards.create', { projectId: created.value.id, prompt: 'a pink ring circles in the sky' });
    expect(card).toMatchObject({ ok: true, value: { prompt: 'a pink ring circles in the sky', position: 0 } });
    expect(await call(ws, 3, 'cards.create', { projectId: created.value.id, prompt: 5 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await call(ws, 4, 'cards.list', { projectId: 'missing' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await call(ws, 5, 'shell.exec', {})).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    ws.close();
  });

  it('stops promptly when asked, even with a request still open', async () => {
    // An open tab keeps connections to the host; a request still being sent (or a video still
    // streaming) once kept server.close() waiting, and an e2e run timed out stopping the host.
    const own = await startStudio();
    const { port } = new URL(own.origin);
    const sock = net.connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    sock.on('error', () => {}); // the host hangs up on it: that is the point
    sock.write('GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // headers never finished
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    const stopped = own.stop().then(() => Date.now() - t0);
    const ms = await Promise.race([stopped, new Promise<number>((r) => setTimeout(() => r(-1), 8000))]);
    sock.destroy();
    if (ms < 0) await own.crash();
    expect(ms, 'the host was still running 8 s after SIGTERM').toBeGreaterThanOrEqual(0);
    expect(ms).toBeLessThan(5000);
  });
});
