/**
 * The content-addressed media folder beside the library file: media/<first two hex>/<sha256>.<ext>.
 * Files are written to a temporary name and renamed into place, so a crash never leaves a partial
 * file under a real name; the database refers to files, never the other way round.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { MEDIA_DIR } from './open';

export const MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  mp4: 'video/mp4',
  json: 'application/json',
};

export class MediaStore {
  constructor(
    private readonly db: Database.Database,
    readonly root: string,
  ) {}

  pathOf(sha256: string, ext: string): string {
    return path.join(this.root, MEDIA_DIR, sha256.slice(0, 2), `${sha256}.${ext}`);
  }

  /** The stored file of a hash, or null when the library has no such media. */
  find(sha256: string): { file: string; ext: string; mime: string } | null {
    const row = this.db.prepare('SELECT ext, mime FROM media WHERE sha256 = ?').get(sha256) as { ext: string; mime: string } | undefined;
    if (!row) return null;
    const file = this.pathOf(sha256, row.ext);
    return fs.existsSync(file) ? { file, ext: row.ext, mime: row.mime } : null;
  }

  /** Stores bytes; returns their sha256. Storing the same bytes twice keeps one file. */
  putBytes(bytes: Uint8Array, ext: string): string {
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    const file = this.pathOf(sha256, ext);
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      fs.writeFileSync(tmp, bytes);
      fs.renameSync(tmp, file);
    }
    this.db
      .prepare('INSERT OR IGNORE INTO media (sha256, ext, mime, bytes, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(sha256, ext, MIME[ext] ?? 'application/octet-stream', bytes.byteLength, new Date().toISOString());
    return sha256;
  }

  putFile(src: string, ext: string): string {
    return this.putBytes(fs.readFileSync(src), ext);
  }

  /**
   * Removes media nothing refers to any more (the takes and pictures of a deleted project, the
   * frames of a run that was stopped between storing its files and recording its take) and files
   * a crash left without a row or under a temporary name. Undoable deletions keep their media: a
   * soft-deleted card or take still refers to it. Call it only when no generation can be storing
   * media (the library has just been opened): a file stored but not yet recorded would look unused.
   */
  sweep(): { rows: number; files: number } {
    const unused = this.db
      .prepare(
        `SELECT sha256, ext FROM media WHERE sha256 NOT IN (
           SELECT image_sha256 FROM cards WHERE image_sha256 IS NOT NULL
           UNION SELECT video_sha256 FROM takes WHERE video_sha256 IS NOT NULL
           UNION SELECT thumb_sha256 FROM takes WHERE thumb_sha256 IS NOT NULL
           UNION SELECT sha256 FROM conditioning
           UNION SELECT sha256 FROM take_frames)`,
      )
      .all() as { sha256: string; ext: string }[];
    const del = this.db.prepare('DELETE FROM media WHERE sha256 = ?');
    this.db.transaction(() => unused.forEach((m) => del.run(m.sha256)))();
    // Files go after the rows are gone: a crash in between leaves files without rows, which the
    // walk below removes next time, never a row without its file.
    const known = new Set((this.db.prepare('SELECT sha256 FROM media').all() as { sha256: string }[]).map((r) => r.sha256));
    let files = 0;
    const top = path.join(this.root, MEDIA_DIR);
    for (const sub of fs.existsSync(top) ? fs.readdirSync(top) : []) {
      const dir = path.join(top, sub);
      if (!fs.statSync(dir).isDirectory()) continue;
      for (const name of fs.readdirSync(dir)) {
        const sha = name.split('.')[0]!;
        if (name.endsWith('.tmp') || !known.has(sha)) {
          fs.rmSync(path.join(dir, name), { force: true });
          files++;
        }
      }
    }
    return { rows: unused.length, files };
  }
}
