/**
 * The project library: projects and storyboard cards (takes and timelines come with later
 * features; their tables are already in schema v1). Plain TypeScript over better-sqlite3, no
 * Electron. Every multi-row change runs in one transaction.
 */
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import { StudioError, type Card, type CardSettings, type Project, type Take } from '../contract';
import { MediaStore } from './media-store';
import { openDatabase } from './open';

/**
 * A card's settings where nothing else says: a new card takes steps and guidance from the active
 * pack (services pass Generation.samplerDefaults()); these are the built-in pack's, for a card made
 * before the engine has opened. Old cards keep the settings they were saved with.
 */
export const DEFAULT_SETTINGS: CardSettings = { seed: 1, steps: 12, guidance: 1.5, aspect: '16:9', extendOverlap: null };

type ProjectRow = { id: string; name: string; created_at: string; updated_at: string; card_count: number };
type CardRow = {
  id: string;
  project_id: string;
  position: number;
  prompt: string;
  settings_json: string;
  chosen_take_id: string | null;
  image_sha256: string | null;
  deleted_at: string | null;
  created_at: string;
  updated_at: string;
};

const now = () => new Date().toISOString();
export const newId = () => crypto.randomUUID().replace(/-/g, '');

function toProject(r: ProjectRow): Project {
  return { id: r.id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at, cardCount: r.card_count };
}

function toCard(r: CardRow): Card {
  return {
    id: r.id,
    projectId: r.project_id,
    position: r.position,
    prompt: r.prompt,
    settings: { ...DEFAULT_SETTINGS, ...(JSON.parse(r.settings_json) as Partial<CardSettings>) },
    chosenTakeId: r.chosen_take_id,
    imageHash: r.image_sha256,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class Library {
  readonly db: Database.Database;

  readonly takes: Takes;
  readonly media: MediaStore;

  constructor(readonly dir: string) {
    this.db = openDatabase(dir);
    this.takes = new Takes(this);
    this.media = new MediaStore(this.db, dir);
  }

  close(): void {
    this.db.close();
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  // ---- preferences ----

  /** A library-wide choice (e.g. the model pack), or null when never set. */
  preference(key: string): unknown {
    const r = this.db.prepare('SELECT value_json FROM preferences WHERE key = ?').get(key) as { value_json: string } | undefined;
    return r ? (JSON.parse(r.value_json) as unknown) : null;
  }

  setPreference(key: string, value: unknown): void {
    this.db.prepare('INSERT INTO preferences (key, value_json) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value_json = excluded.value_json').run(key, JSON.stringify(value));
  }

  // ---- projects ----

  listProjects(): Project[] {
    const rows = this.db
      .prepare(
        `SELECT p.*, (SELECT count(*) FROM cards c WHERE c.project_id = p.id AND c.deleted_at IS NULL) AS card_count
         FROM projects p ORDER BY p.updated_at DESC, p.rowid DESC`,
      )
      .all() as ProjectRow[];
    return rows.map(toProject);
  }

  getProject(id: string): Project {
    const row = this.db
      .prepare(
        `SELECT p.*, (SELECT count(*) FROM cards c WHERE c.project_id = p.id AND c.deleted_at IS NULL) AS card_count
         FROM projects p WHERE p.id = ?`,
      )
      .get(id) as ProjectRow | undefined;
    if (!row) throw new StudioError('not_found', `There is no project with id ${id}; it may have been deleted.`);
    return toProject(row);
  }

  createProject(name: string): Project {
    const id = newId();
    const t = now();
    this.db.prepare('INSERT INTO projects (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)').run(id, name, t, t);
    return this.getProject(id);
  }

  renameProject(id: string, name: string): Project {
    const r = this.db.prepare('UPDATE projects SET name = ?, updated_at = ? WHERE id = ?').run(name, now(), id);
    if (r.changes === 0) throw new StudioError('not_found', `There is no project with id ${id}; it may have been deleted.`);
    return this.getProject(id);
  }

  deleteProject(id: string): void {
    const r = this.db.prepare('DELETE FROM projects WHERE id = ?').run(id);
    if (r.changes === 0) throw new StudioError('not_found', `There is no project with id ${id}; it may have been deleted.`);
  }

  private touchProject(id: string): void {
    this.db.prepare('UPDATE projects SET updated_at = ? WHERE id = ?').run(now(), id);
  }

  // ---- cards ----

  private cardRow(id: string): CardRow {
    const row = this.db.prepare('SELECT * FROM cards WHERE id = ?').get(id) as CardRow | undefined;
    if (!row) throw new StudioError('not_found', `There is no card with id ${id}; it may have been deleted.`);
    return row;
  }

  getCard(id: string): Card {
    const row = this.cardRow(id);
    if (row.deleted_at) throw new StudioError('not_found', `The card ${id} was deleted.`);
    return toCard(row);
  }

  listCards(projectId: string): Card[] {
    this.getProject(projectId);
    const rows = this.db.prepare('SELECT * FROM cards WHERE project_id = ? AND deleted_at IS NULL ORDER BY position, created_at').all(projectId) as CardRow[];
    return rows.map(toCard);
  }

  /** Rewrites positions 0..n-1 in the given order. Call inside a transaction. */
  private renumber(ids: string[]): void {
    const st = this.db.prepare('UPDATE cards SET position = ? WHERE id = ?');
    ids.forEach((id, i) => st.run(i, id));
  }

  createCard(projectId: string, prompt = '', index?: number, settings: Partial<CardSettings> = {}): Card {
    const id = newId();
    this.db.transaction(() => {
      const live = this.listCards(projectId).map((c) => c.id);
      const at = index === undefined ? live.length : Math.min(index, live.length);
      const t = now();
      const full: CardSettings = { ...DEFAULT_SETTINGS, seed: randomSeed(), ...settings };
      this.db
        .prepare(
          `INSERT INTO cards (id, project_id, position, prompt, settings_json, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, projectId, at, prompt, JSON.stringify(full), t, t);
      live.splice(at, 0, id);
      this.renumber(live);
      this.touchProject(projectId);
    })();
    return this.getCard(id);
  }

  updateCard(id: string, patch: { prompt?: string; settings?: Partial<CardSettings> }): Card {
    const card = this.getCard(id);
    const settings = { ...card.settings, ...patch.settings };
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE cards SET prompt = ?, settings_json = ?, updated_at = ? WHERE id = ?')
        .run(patch.prompt ?? card.prompt, JSON.stringify(settings), now(), id);
      this.touchProject(card.projectId);
    })();
    return this.getCard(id);
  }

  reorderCards(projectId: string, order: string[]): Card[] {
    this.db.transaction(() => {
      const live = this.listCards(projectId).map((c) => c.id);
      const given = new Set(order);
      if (given.size !== order.length || given.size !== live.length || !live.every((id) => given.has(id))) {
        throw new StudioError(
          'conflict',
          `The new order must name each of the project's ${live.length} cards exactly once; it named ${order.length}. Reload and try again.`,
        );
      }
      this.renumber(order);
      this.touchProject(projectId);
    })();
    return this.listCards(projectId);
  }

  /** Soft delete, so that Undo can bring the card back with everything it had. */
  deleteCard(id: string): void {
    const card = this.getCard(id);
    this.db.transaction(() => {
      this.db.prepare('UPDATE cards SET deleted_at = ?, updated_at = ? WHERE id = ?').run(now(), now(), id);
      this.renumber(this.listCards(card.projectId).map((c) => c.id));
      this.touchProject(card.projectId);
    })();
  }

  restoreCard(id: string): Card {
    const row = this.cardRow(id);
    if (!row.deleted_at) return toCard(row);
    this.db.transaction(() => {
      const live = this.listCards(row.project_id).map((c) => c.id);
      live.splice(Math.min(row.position, live.length), 0, id);
      this.db.prepare('UPDATE cards SET deleted_at = NULL, updated_at = ? WHERE id = ?').run(now(), id);
      this.renumber(live);
      this.touchProject(row.project_id);
    })();
    return this.getCard(id);
  }

  setCardImage(cardId: string, sha256: string | null): Card {
    this.getCard(cardId);
    this.db.prepare('UPDATE cards SET image_sha256 = ?, updated_at = ? WHERE id = ?').run(sha256, now(), cardId);
    return this.getCard(cardId);
  }
}

export function randomSeed(): number {
  return crypto.randomInt(0, 2 ** 31 - 1);
}

// ---- takes -------------------------------------------------------------------------------

type TakeRow = {
  id: string;
  card_id: string;
  status: Take['status'];
  provenance_json: string;
  video_sha256: string | null;
  thumb_sha256: string | null;
  width: number | null;
  height: number | null;
  frames: number | null;
  rate_num: number | null;
  rate_den: number | null;
  error: string | null;
  deleted_at: string | null;
  created_at: string;
  finished_at: string | null;
  elapsed_ms: number | null;
};

/** What a take is asked to be, stored before any work starts (status pending). */
export interface TakeRequest {
  task: Take['task'];
  prompt: string;
  seed: number;
  steps: number;
  guidance: number;
  aspect: string;
  /** Task details the engine needs again for Reproduce: direction, range, source take ids. */
  [key: string]: unknown;
}

export interface FinishedTake {
  provenance: Record<string, unknown>;
  videoSha256: string;
  thumbSha256: string;
  frameSha256s: string[];
  width: number;
  height: number;
  fps: number;
  elapsedMs: number;
  conditioning: { role: string; sha256: string }[];
}

function toTake(r: TakeRow, frameShas: string[]): Take {
  const p = JSON.parse(r.provenance_json) as Record<string, unknown> & { request?: TakeRequest };
  const req = (p.request ?? p) as TakeRequest;
  return {
    id: r.id,
    cardId: r.card_id,
    status: r.status,
    task: req.task,
    prompt: String(req.prompt ?? ''),
    seed: Number(req.seed ?? 0),
    steps: Number(req.steps ?? 0),
    guidance: Number(req.guidance ?? 0),
    aspect: String(req.aspect ?? '16:9'),
    width: r.width,
    height: r.height,
    frames: r.frames,
    fps: r.rate_num && r.rate_den ? r.rate_num / r.rate_den : null,
    videoSha256: r.video_sha256,
    thumbSha256: r.thumb_sha256,
    frameSha256s: frameShas,
    provenance: p,
    unknownWords: Array.isArray(p.unknown_words) ? (p.unknown_words as string[]) : [],
    error: r.error,
    elapsedMs: r.elapsed_ms,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

/**
 * Takes: every generation is a take on its card, never overwritten. A take is stored `pending`
 * before any work starts and becomes `ready` (with all its media, in one transaction), `failed`
 * or `cancelled`; nothing in between is ever visible.
 */
export class Takes {
  private readonly db: Database.Database;
  constructor(private readonly lib: Library) {
    this.db = lib.db;
  }

  private getCard(id: string): Card {
    return this.lib.getCard(id);
  }

  get(id: string): Take {
    const row = this.db.prepare('SELECT * FROM takes WHERE id = ?').get(id) as TakeRow | undefined;
    if (!row) throw new StudioError('not_found', `There is no take with id ${id}; it may have been deleted.`);
    const frames = (this.db.prepare('SELECT sha256 FROM take_frames WHERE take_id = ? ORDER BY idx').all(id) as { sha256: string }[]).map((f) => f.sha256);
    return toTake(row, frames);
  }

  list(cardId: string): Take[] {
    this.getCard(cardId);
    const rows = this.db.prepare('SELECT id FROM takes WHERE card_id = ? AND deleted_at IS NULL ORDER BY created_at, rowid').all(cardId) as { id: string }[];
    return rows.map((r) => this.get(r.id));
  }

  createPending(cardId: string, request: TakeRequest): Take {
    const card = this.getCard(cardId);
    const id = newId();
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO takes (id, card_id, status, provenance_json, created_at) VALUES (?, ?, 'pending', ?, ?)")
        .run(id, card.id, JSON.stringify({ request }), now());
    })();
    return this.get(id);
  }

  /** Everything about a finished take is written in one transaction: it is ready whole, or not at all. */
  finish(id: string, done: FinishedTake): Take {
    const take = this.get(id);
    const request = (take.provenance as { request?: TakeRequest }).request;
    const fps = done.fps;
    // Keep the rate rational: 8 -> 8/1, 23.976 -> 24000/1001.
    const [num, den] = Number.isInteger(fps) ? [fps, 1] : [Math.round(fps * 1001), 1001];
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE takes SET status = 'ready', provenance_json = ?, video_sha256 = ?, thumb_sha256 = ?, width = ?, height = ?,
           frames = ?, rate_num = ?, rate_den = ?, error = NULL, finished_at = ?, elapsed_ms = ? WHERE id = ? AND status = 'pending'`,
        )
        .run(
          JSON.stringify({ ...done.provenance, request }),
          done.videoSha256,
          done.thumbSha256,
          done.width,
          done.height,
          done.frameSha256s.length,
          num,
          den,
          now(),
          Math.round(done.elapsedMs),
          id,
        );
      const ins = this.db.prepare('INSERT INTO take_frames (take_id, idx, sha256) VALUES (?, ?, ?)');
      done.frameSha256s.forEach((sha, i) => ins.run(id, i, sha));
      const cond = this.db.prepare('INSERT OR REPLACE INTO conditioning (take_id, role, sha256) VALUES (?, ?, ?)');
      for (const c of done.conditioning) if (this.db.prepare('SELECT 1 FROM media WHERE sha256 = ?').get(c.sha256)) cond.run(id, c.role, c.sha256);
      // The first take of a card becomes its chosen take.
      this.db.prepare('UPDATE cards SET chosen_take_id = coalesce(chosen_take_id, ?) WHERE id = ?').run(id, take.cardId);
    })();
    return this.get(id);
  }

  end(id: string, status: 'failed' | 'cancelled', error: string): Take {
    this.db.prepare("UPDATE takes SET status = ?, error = ?, finished_at = ? WHERE id = ? AND status = 'pending'").run(status, error, now(), id);
    return this.get(id);
  }

  choose(id: string): Card {
    const take = this.get(id);
    if (take.status !== 'ready') throw new StudioError('conflict', `Only a finished take can be chosen; this one is ${take.status}.`);
    this.db.prepare('UPDATE cards SET chosen_take_id = ?, updated_at = ? WHERE id = ?').run(id, now(), take.cardId);
    return this.getCard(take.cardId);
  }

  delete(id: string): void {
    const take = this.get(id);
    if (take.status === 'pending') throw new StudioError('conflict', 'This take is still being generated: cancel it first.');
    this.db.transaction(() => {
      this.db.prepare('UPDATE takes SET deleted_at = ? WHERE id = ?').run(now(), id);
      // The chosen take moves to the newest remaining ready take.
      this.db
        .prepare(
          `UPDATE cards SET chosen_take_id = (SELECT id FROM takes WHERE card_id = cards.id AND status = 'ready' AND deleted_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1)
         WHERE id = ? AND (chosen_take_id = ? OR chosen_take_id IS NULL)`,
        )
        .run(take.cardId, id);
    })();
  }

  restore(id: string): Take {
    const take = this.get(id);
    this.db.transaction(() => {
      this.db.prepare('UPDATE takes SET deleted_at = NULL WHERE id = ?').run(id);
      if (take.status === 'ready') this.db.prepare('UPDATE cards SET chosen_take_id = coalesce(chosen_take_id, ?) WHERE id = ?').run(id, take.cardId);
    })();
    return this.get(id);
  }

  /** A take still pending when the library opens was cut short by a crash or a quit: say so. */
  recoverInterrupted(): number {
    return this.db
      .prepare(
        "UPDATE takes SET status = 'failed', error = 'Studio closed before this take finished. Generate again.', finished_at = ? WHERE status = 'pending'",
      )
      .run(now()).changes;
  }
}
