/**
 * The project library: projects and storyboard cards (takes and timelines come with later
 * features; their tables are already in schema v1). Plain TypeScript over better-sqlite3, no
 * Electron. Every multi-row change runs in one transaction.
 */
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import { StudioError, type Card, type CardSettings, type Project } from '../contract';
import { openDatabase } from './open';

export const DEFAULT_SETTINGS: CardSettings = { seed: 1, steps: 12, guidance: 3, aspect: '16:9' };

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

  constructor(readonly dir: string) {
    this.db = openDatabase(dir);
  }

  close(): void {
    this.db.close();
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
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
    const rows = this.db
      .prepare('SELECT * FROM cards WHERE project_id = ? AND deleted_at IS NULL ORDER BY position, created_at')
      .all(projectId) as CardRow[];
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
}

export function randomSeed(): number {
  return crypto.randomInt(0, 2 ** 31 - 1);
}
