import fs from 'node:fs';

/** Debian's Chromium, or the one named by STUDIO_CHROMIUM. */
export function chromiumPath(): string {
  const candidates = [process.env.STUDIO_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  throw new Error('No Chromium found. Install it (Debian: sudo apt-get install chromium) or set STUDIO_CHROMIUM=/path/to/chrome.');
}
