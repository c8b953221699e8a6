/**
 * An ffmpeg that has written all its output but whose exit is reported late must still succeed.
 * fluent-ffmpeg fails a piped command ("Output stream closed") when the process has not exited 20 ms
 * after its stdout closed; on a loaded machine that happens (CI, session 37: a bridge take failed
 * with frame=1 written). The real bundled ffmpeg runs here, wrapped in a shell script that closes
 * its stdout and waits 300 ms before exiting with ffmpeg's own status: a stand-in for the
 * scheduler's delay, which cannot be produced on demand.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../main/media/png';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'studio-late-exit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const real = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const wrapper = path.join(tmp, 'ffmpeg-late-exit.sh');
writeFileSync(wrapper, `#!/bin/sh\n"${real}" "$@"\nrc=$?\nexec 1>&-\nsleep 0.3\nexit $rc\n`);
chmodSync(wrapper, 0o755);
// read once, at the media module's first ffmpeg call: this file's own module instance (vitest isolates files)
process.env.STUDIO_FFMPEG = wrapper;

describe('media: ffmpeg exiting late after its output', () => {
  it('decodes a picture and reads a clip whole, and still fails a file ffmpeg cannot read', async () => {
    const { binaries, decodePicture, readClip } = await import('../../main/media/ffmpeg');
    expect(binaries().ffmpeg).toBe(wrapper);
    const rgb = new Uint8Array(16 * 8 * 3).map((_, i) => (i * 37) & 255);
    const dir = path.join(tmp, 'clip');
    mkdirSync(dir);
    for (let i = 1; i <= 3; i++) writeFileSync(path.join(dir, `000${i}.png`), encodePng(rgb, 16, 8));
    const back = await decodePicture(path.join(dir, '0001.png'), 16, 8);
    expect(Buffer.from(back).equals(Buffer.from(rgb))).toBe(true);
    const clip = await readClip(dir);
    expect(clip.frames.length).toBe(3);
    expect(Buffer.from(clip.frames[2]!).equals(Buffer.from(rgb))).toBe(true);
    const bad = path.join(tmp, 'broken.png');
    writeFileSync(bad, encodePng(rgb, 16, 8).subarray(0, 60));
    await expect(decodePicture(bad, 16, 8)).rejects.toThrow(/ffmpeg failed/);
  });
});
