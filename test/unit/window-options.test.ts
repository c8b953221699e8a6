import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { secureWebPreferences } from '../../main/hosts/window-options';
import { CONTENT_SECURITY_POLICY } from '../../main/hosts/csp';

// The Electron binary cannot be installed on these machines, so the window is checked through the
// settings it is built from and the source of the Electron host, not by opening it.
describe('the Electron window is locked down', () => {
  it('isolates the renderer', () => {
    expect(secureWebPreferences('/p.js')).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
  });
  it('uses those settings, blocks navigation and new windows, and checks the sender', () => {
    const src = fs.readFileSync(path.join(__dirname, '../../main/electron-main.ts'), 'utf8');
    expect(src).toContain('webPreferences: secureWebPreferences(');
    expect(src).toMatch(/will-navigate', \(event\) => event\.preventDefault\(\)/);
    expect(src).toMatch(/setWindowOpenHandler\([\s\S]*action: 'deny'/);
    expect(src).toContain('event.sender.id !== ownId');
    expect(src).not.toMatch(/nodeIntegration:\s*true|contextIsolation:\s*false|enableRemoteModule|@electron\/remote/);
  });
  it('has a strict Content-Security-Policy: own scripts only, nothing remote', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
    const html = fs.readFileSync(path.join(__dirname, '../../renderer/index.html'), 'utf8');
    expect(html).toContain("script-src 'self'");
    expect(html).not.toMatch(/<script[^>]+src="http/);
  });
  it('the preload exposes window.studio and nothing else', () => {
    const src = fs.readFileSync(path.join(__dirname, '../../preload/preload.ts'), 'utf8');
    expect([...src.matchAll(/exposeInMainWorld\('(\w+)'/g)].map((m) => m[1])).toEqual(['studio']);
  });
});
