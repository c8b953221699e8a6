/**
 * Opening a library folder safely. A library is one folder holding `library.sqlite` (WAL,
 * foreign keys on) and `media/` (content-addressed files). Every way this can go wrong gives a
 * StudioError that names the file and what to do, and nothing already there is overwritten.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StudioError } from '../contract';
import { migrations, SCHEMA_VERSION } from './migrations';

export const DB_FILE = 'library.sqlite';
export const MEDIA_DIR = 'media';
const SQLITE_MAGIC = 'SQLite format 3\0';

function unavailable(message: string): StudioError {
  return new StudioError('library_unavailable', message);
}

/**
 * mkdir -p, one level at a time. Node 20's own `recursive: true` spins forever on some file
 * systems that answer ENOENT for a folder whose parent exists (/proc, some FUSE mounts).
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  let at = dir;
  while (!fs.existsSync(at)) {
    missing.unshift(at);
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing) fs.mkdirSync(d);
}

function checkFolder(dir: string): void {
  try {
    makeFolders(dir);
  } catch (err) {
    throw unavailable(
      `The library folder ${dir} cannot be created (${(err as NodeJS.ErrnoException).code ?? err}). ` +
        'Choose a folder you can write to with --library DIR.',
    );
  }
  if (!fs.statSync(dir).isDirectory()) {
    throw unavailable(`The library path ${dir} is a file, not a folder. Choose a folder with --library DIR.`);
  }
  // Ask the file system itself: permission bits do not tell the whole story (read-only mounts, root).
  const probe = path.join(dir, `.studio-write-test-${process.pid}`);
  try {
    fs.writeFileSync(probe, '');
    fs.unlinkSync(probe);
  } catch (err) {
    throw unavailable(
      `The library folder ${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? err}). ` +
        'Give yourself write permission on it, or choose another folder with --library DIR.',
    );
  }
}

function checkExistingFile(file: string): void {
  if (!fs.existsSync(file)) return;
  const stat = fs.statSync(file);
  if (!stat.isFile()) throw unavailable(`${file} is not a file. Move it away or choose another folder with --library DIR.`);
  if (stat.size === 0) return; // an empty file is what SQLite itself makes; it is safe to set up
  const head = Buffer.alloc(16);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head.toString('latin1') !== SQLITE_MAGIC) {
    throw unavailable(
      `${file} is not a Studio library (it is not an SQLite database). It was left untouched. ` +
        'Move it away, or choose another folder with --library DIR.',
    );
  }
}

/** Opens (creating if needed) and migrates the library database in `dir`. */
export function openDatabase(dir: string): Database.Database {
  const root = path.resolve(dir);
  checkFolder(root);
  const file = path.join(root, DB_FILE);
  checkExistingFile(file);

  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (err) {
    throw unavailable(`${file} cannot be opened: ${(err as Error).message}. Choose another folder with --library DIR.`);
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw unavailable(
        `${file} was written by a newer Studio (library schema ${version}; this version knows up to ${SCHEMA_VERSION}). ` +
          'It was left untouched. Open it with a newer Studio, or choose another folder with --library DIR.',
      );
    }
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    for (const m of migrations) {
      if (m.version <= version) continue;
      db.transaction(() => {
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
      })();
    }
    makeFolders(path.join(root, MEDIA_DIR));
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StudioError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw unavailable(`${file} is damaged or not a Studio library (${code}). It was left untouched. Move it away or choose another folder with --library DIR.`);
    }
    throw unavailable(`${file} cannot be opened: ${(err as Error).message}`);
  }
}
