/**
 * A small, deterministic PNG writer for RGB24 frames (8-bit truecolour, no interlace). Written in
 * TypeScript rather than through ffmpeg so that writing a clip's frames costs no processes and
 * the same pixels always give the same file bytes. Reading any PNG goes through ffmpeg (./ffmpeg.ts).
 */
import { deflate, deflateSync } from 'node:zlib';
import { promisify } from 'node:util';

const deflateAsync = promisify(deflate);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array, crc = 0xffffffff): number {
  let c = crc;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 8);
  const crc = crc32(out.subarray(4, 8 + data.length)) ^ 0xffffffff;
  out.writeUInt32BE(crc >>> 0, 8 + data.length);
  return out;
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

function header(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return ihdr;
}

/** Filtered scanlines (Sub filter on every row), ready for deflate. */
function scanlines(rgb: Uint8Array, width: number, height: number): Buffer {
  if (rgb.length !== width * height * 3) throw new Error(`encodePng: ${width}x${height} RGB needs ${width * height * 3} bytes, got ${rgb.length}`);
  const stride = width * 3;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    raw[o] = 1; // filter: Sub
    const row = y * stride;
    for (let x = 0; x < stride; x++) raw[o + 1 + x] = (rgb[row + x]! - (x >= 3 ? rgb[row + x - 3]! : 0)) & 0xff;
  }
  return raw;
}

const ZLIB = { level: 6 };

function assemble(width: number, height: number, idat: Buffer): Buffer {
  return Buffer.concat([SIGNATURE, chunk('IHDR', header(width, height)), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}

/** Encodes on the calling thread (small frames, tests). */
export function encodePng(rgb: Uint8Array, width: number, height: number): Buffer {
  return assemble(width, height, deflateSync(scanlines(rgb, width, height), ZLIB));
}

/** Same bytes as encodePng, with the compression on libuv's thread pool (keeps the event loop free). */
export async function encodePngAsync(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  return assemble(width, height, await deflateAsync(scanlines(rgb, width, height), ZLIB));
}
