import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Library } from '../../main/library/library';
import { migrations, SCHEMA_VERSION } from '../../main/library/migrations';
import { DB_FILE } from '../../main/library/open';

const dirs: string[] = [];
const libs: Library[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-libtest-'));
  dirs.push(d);
  return d;
}
function open(dir = tmp()): Library {
  const l = new Library(dir);
  libs.push(l);
  return l;
}
afterEach(() => {
  for (const l of libs.splice(0)) if (l.db.open) l.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('a new library', () => {
  it('is one SQLite file in WAL mode with foreign keys on, at the latest schema, with a media folder', () => {
    const dir = tmp();
    const lib = open(dir);
    expect(fs.existsSync(path.join(dir, DB_FILE))).toBe(true);
    expect(fs.statSync(path.join(dir, 'media')).isDirectory()).toBe(true);
    expect(lib.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(lib.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(lib.schemaVersion()).toBe(SCHEMA_VERSION);
    const tables = (lib.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['projects', 'cards', 'takes', 'media', 'conditioning', 'timelines', 'tracks', 'items']));
  });

  it('keeps projects and cards across closing and reopening', () => {
    const dir = tmp();
    const a = open(dir);
    const p = a.createProject('Harbour');
    const c1 = a.createCard(p.id, 'a red ball moves right on a grass field');
    const c2 = a.createCard(p.id, 'a blue box spins in the snow');
    a.reorderCards(p.id, [c2.id, c1.id]);
    a.close();
    const b = open(dir);
    expect(b.listProjects().map((x) => [x.name, x.cardCount])).toEqual([['Harbour', 2]]);
    expect(b.listCards(p.id).map((c) => c.prompt)).toEqual(['a blue box spins in the snow', 'a red ball moves right on a grass field']);
  });

  it('opening twice migrates once: the second open changes nothing', () => {
    const dir = tmp();
    open(dir).close();
    const before = fs.statSync(path.join(dir, DB_FILE)).size;
    const lib = open(dir);
    expect(lib.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(fs.statSync(path.join(dir, DB_FILE)).size).toBe(before);
  });
});

describe('preferences and older libraries', () => {
  it('a library of the previous schema (2) opens at the latest, keeps its projects, and keeps a chosen pack across reopening', () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'media'));
    const db = new Database(path.join(dir, DB_FILE));
    for (const m of migrations.filter((x) => x.version <= 2)) db.exec(m.sql);
    db.pragma('user_version = 2');
    db.prepare("INSERT INTO projects (id, name, created_at, updated_at) VALUES ('p1', 'Harbour', '2026-01-01', '2026-01-01')").run();
    db.close();
    const a = open(dir);
    expect(a.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(a.listProjects().map((p) => p.name)).toEqual(['Harbour']);
    expect(a.preference('modelPack')).toBeNull();
    a.setPreference('modelPack', 'world-m');
    a.setPreference('modelPack', 'world-l');
    a.close();
    expect(open(dir).preference('modelPack')).toBe('world-l');
  });
});

describe('cards', () => {
  it('insert at an index, delete, and restore at the old place', () => {
    const lib = open();
    const p = lib.createProject('P');
    const [a, b, c] = ['a', 'b', 'c'].map((t) => lib.createCard(p.id, t));
    const first = lib.createCard(p.id, 'first', 0);
    expect(lib.listCards(p.id).map((x) => x.prompt)).toEqual(['first', 'a', 'b', 'c']);
    expect(lib.listCards(p.id).map((x) => x.position)).toEqual([0, 1, 2, 3]);
    lib.deleteCard(b!.id);
    expect(lib.listCards(p.id).map((x) => x.prompt)).toEqual(['first', 'a', 'c']);
    expect(lib.getProject(p.id).cardCount).toBe(3);
    lib.restoreCard(b!.id);
    expect(lib.listCards(p.id).map((x) => x.prompt)).toEqual(['first', 'a', 'b', 'c']);
    expect(() => lib.getCard('nope')).toThrow(/no card with id nope/);
    void a;
    void c;
    void first;
  });

  it('a reorder that does not name every card exactly once changes nothing', () => {
    const lib = open();
    const p = lib.createProject('P');
    const ids = ['a', 'b', 'c'].map((t) => lib.createCard(p.id, t).id);
    expect(() => lib.reorderCards(p.id, [ids[0]!, ids[0]!, ids[1]!])).toThrow(/exactly once/);
    expect(() => lib.reorderCards(p.id, [ids[2]!, ids[1]!])).toThrow(/exactly once/);
    expect(lib.listCards(p.id).map((x) => x.prompt)).toEqual(['a', 'b', 'c']);
  });

  it('settings merge and persist', () => {
    const lib = open();
    const p = lib.createProject('P');
    const c = lib.createCard(p.id, 'x');
    const u = lib.updateCard(c.id, { settings: { steps: 20, aspect: '1:1' } });
    expect(u.settings).toMatchObject({ steps: 20, aspect: '1:1', seed: c.settings.seed, guidance: c.settings.guidance });
    // Extensions follow the pack until the card says otherwise, and back again with null.
    expect(c.settings.extendOverlap).toBeNull();
    expect(lib.updateCard(c.id, { settings: { extendOverlap: 10 } }).settings).toMatchObject({ extendOverlap: 10, steps: 20 });
    expect(lib.getCard(c.id).settings.extendOverlap).toBe(10);
    expect(lib.updateCard(c.id, { settings: { extendOverlap: null } }).settings.extendOverlap).toBeNull();
  });

  it("a card saved before extendOverlap existed reads as following the pack's", () => {
    const lib = open();
    const p = lib.createProject('P');
    const c = lib.createCard(p.id, 'x');
    lib.db.prepare('UPDATE cards SET settings_json = ? WHERE id = ?').run(JSON.stringify({ seed: 5, steps: 9, guidance: 2, aspect: '1:1' }), c.id);
    expect(lib.getCard(c.id).settings).toEqual({ seed: 5, steps: 9, guidance: 2, aspect: '1:1', extendOverlap: null });
  });

  it('deleting a project removes its cards (foreign key cascade)', () => {
    const lib = open();
    const p = lib.createProject('P');
    lib.createCard(p.id, 'x');
    lib.deleteProject(p.id);
    expect((lib.db.prepare('SELECT count(*) AS n FROM cards').get() as { n: number }).n).toBe(0);
  });
});

describe('constraints hold in the database itself', () => {
  it('refuses a card of a project that does not exist', () => {
    const lib = open();
    expect(() =>
      lib.db.prepare("INSERT INTO cards (id, project_id, position, settings_json, created_at, updated_at) VALUES ('c', 'ghost', 0, '{}', 'x', 'x')").run(),
    ).toThrow(/FOREIGN KEY/);
  });
  it('refuses a take in an unknown state, and a ready take without its video', () => {
    const lib = open();
    const p = lib.createProject('P');
    const c = lib.createCard(p.id, 'x');
    const ins = lib.db.prepare("INSERT INTO takes (id, card_id, status, provenance_json, created_at) VALUES (?, ?, ?, '{}', 'x')");
    expect(() => ins.run('t1', c.id, 'half-done')).toThrow(/CHECK/);
    expect(() => ins.run('t2', c.id, 'ready')).toThrow(/CHECK/);
    ins.run('t3', c.id, 'pending');
  });
  it('a timeline item is a clip with a take or a gap without one', () => {
    const lib = open();
    const p = lib.createProject('P');
    lib.db.prepare("INSERT INTO timelines VALUES ('tl', ?, 'Cut', 24000, 1001, 'x', 'x')").run(p.id);
    lib.db.prepare("INSERT INTO tracks VALUES ('tr', 'tl', 'video', 0, 'V1')").run();
    expect(() => lib.db.prepare("INSERT INTO items (id, track_id, position, kind, duration) VALUES ('i1', 'tr', 0, 'clip', 24)").run()).toThrow(/CHECK/);
    expect(() => lib.db.prepare("INSERT INTO items (id, track_id, position, kind, duration) VALUES ('i2', 'tr', 0, 'gap', 0)").run()).toThrow(/CHECK/);
    lib.db.prepare("INSERT INTO items (id, track_id, position, kind, duration) VALUES ('i3', 'tr', 0, 'gap', 12)").run();
  });
  it('a transaction that fails part-way leaves nothing behind', () => {
    const lib = open();
    const p = lib.createProject('P');
    lib.createCard(p.id, 'a');
    lib.createCard(p.id, 'b');
    const before = lib.listCards(p.id);
    const insertTwo = lib.db.transaction(() => {
      lib.createCard(p.id, 'c', 0); // renumbers the others: a multi-row change
      lib.db.prepare("INSERT INTO cards (id, project_id, position, settings_json, created_at, updated_at) VALUES ('bad', 'ghost', 9, '{}', 'x', 'x')").run();
    });
    expect(() => insertTwo()).toThrow(/FOREIGN KEY/);
    expect(lib.listCards(p.id)).toEqual(before);
  });
});

describe('bad library folders: a clear message, and nothing overwritten', () => {
  it('a file that is not SQLite', () => {
    const dir = tmp();
    const file = path.join(dir, DB_FILE);
    fs.writeFileSync(file, 'my screenplay, not a database');
    expect(() => new Library(dir)).toThrow(new RegExp(`${file.replace(/[/.]/g, '\\$&')} is not a Studio library \\(it is not an SQLite database\\)`));
    expect(fs.readFileSync(file, 'utf8')).toBe('my screenplay, not a database');
    expect(fs.readdirSync(dir)).toEqual([DB_FILE]);
  });

  it('a library written by a newer Studio', () => {
    const dir = tmp();
    const file = path.join(dir, DB_FILE);
    const db = new Database(file);
    db.exec('CREATE TABLE future (x)');
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    const bytes = fs.readFileSync(file);
    expect(() => new Library(dir)).toThrow(/written by a newer Studio \(library schema \d+; this version knows up to \d+\).*Open it with a newer Studio/);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    const again = new Database(file, { readonly: true });
    expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 5);
    expect(again.pragma('journal_mode', { simple: true })).toBe('delete'); // not switched to WAL either
    again.close();
  });

  it('a folder that cannot be written', () => {
    // Permission bits do not stop root, and tests here run as root: /proc refuses every user.
    const dir = fs.existsSync('/proc/self') ? '/proc/self/studio-library' : path.join(tmp(), 'x');
    expect(() => new Library(dir)).toThrow(/library folder .* (cannot be created|is not writable).*--library DIR/);
    if (process.getuid && process.getuid() !== 0) {
      const ro = tmp();
      fs.chmodSync(ro, 0o555);
      expect(() => new Library(ro)).toThrow(/is not writable/);
      fs.chmodSync(ro, 0o755);
    }
  });

  it('a path that is a file, not a folder', () => {
    const f = path.join(tmp(), 'notes.txt');
    fs.writeFileSync(f, 'x');
    expect(() => new Library(f)).toThrow(/(is a file, not a folder|cannot be created)/);
    expect(fs.readFileSync(f, 'utf8')).toBe('x');
  });
});

describe('media nothing refers to any more', () => {
  it('goes when the library opens again; media of kept and undoable items stays', () => {
    const dir = tmp();
    let lib = open(dir);
    const keep = lib.createProject('Keep');
    const gone = lib.createProject('Gone');
    const keptCard = lib.createCard(keep.id, 'a red ball moves right');
    const softDeleted = lib.createCard(keep.id, 'deleted, but Undo can bring it back');
    const goneCard = lib.createCard(gone.id, 'a blue box spins');
    const picture = lib.media.putBytes(Buffer.from('picture of the kept card'), 'png');
    lib.setCardImage(keptCard.id, picture);
    const undoable = lib.media.putBytes(Buffer.from('picture of the deleted card'), 'png');
    lib.setCardImage(softDeleted.id, undoable);
    lib.deleteCard(softDeleted.id);
    const take = lib.takes.createPending(goneCard.id, { task: 'text-to-video', prompt: 'a blue box spins', seed: 1, steps: 12, guidance: 3, aspect: '16:9' });
    const frames = [lib.media.putBytes(Buffer.from('frame 0'), 'png'), lib.media.putBytes(Buffer.from('frame 1'), 'png')];
    const video = lib.media.putBytes(Buffer.from('clip'), 'mp4');
    lib.takes.finish(take.id, { provenance: {}, videoSha256: video, thumbSha256: frames[0]!, frameSha256s: frames, width: 128, height: 72, fps: 8, elapsedMs: 10, conditioning: [] });
    // a crash between writing a file and recording it leaves a file without a row, or a .tmp file
    const stray = lib.media.pathOf('ab'.repeat(32), 'png');
    fs.mkdirSync(path.dirname(stray), { recursive: true });
    fs.writeFileSync(stray, 'stray');
    fs.writeFileSync(`${stray}.123.tmp`, 'partial');
    lib.deleteProject(gone.id);
    lib.close();

    lib = open(dir);
    const swept = lib.media.sweep();
    expect(swept).toEqual({ rows: 3, files: 5 });
    expect(lib.media.find(picture)).not.toBeNull();
    expect(lib.media.find(undoable)).not.toBeNull();
    for (const sha of [...frames, video]) expect(lib.media.find(sha)).toBeNull();
    expect(fs.existsSync(stray)).toBe(false);
    expect(fs.existsSync(`${stray}.123.tmp`)).toBe(false);
    // the undone card gets its picture back
    expect(lib.restoreCard(softDeleted.id).imageHash).toBe(undoable);
    expect(lib.media.sweep()).toEqual({ rows: 0, files: 0 });
  });
});
