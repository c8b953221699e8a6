/**
 * The services the contract is served by, and the handler table built over them.
 * Plain TypeScript: the Electron host, the browser host and the tests all use this unchanged.
 */
import { EventEmitter } from 'node:events';
import { StudioError, type EventName, type EventPayload, type LibraryStatus } from './contract';
import type { Handlers } from './dispatch';
import { Generation } from './generation';
import { Library } from './library/library';
import { stopAll as stopFfmpeg } from './media/ffmpeg';
import { SCHEMA_VERSION } from './library/migrations';
import { APP_VERSION } from './version';

export interface ServiceOptions {
  libraryDir: string;
  host: 'electron' | 'browser';
  /** Extra model pack folders (the user's models folder). */
  userModelDirs?: string[];
}

export class Services {
  readonly library: Library | null;
  readonly libraryStatus: LibraryStatus;
  readonly generation: Generation | null;
  private readonly emitter = new EventEmitter();

  constructor(readonly options: ServiceOptions) {
    // A library that cannot be opened must not stop the app: the window opens and says why.
    try {
      this.library = new Library(options.libraryDir);
      this.libraryStatus = { ok: true, path: options.libraryDir, schemaVersion: SCHEMA_VERSION };
    } catch (err) {
      this.library = null;
      this.libraryStatus = { ok: false, path: options.libraryDir, message: (err as Error).message };
    }
    this.generation = this.library
      ? new Generation(this.library, (name, payload) => this.emit(name, payload), { userModelDirs: options.userModelDirs ?? [] })
      : null;
  }

  gen(): Generation {
    this.lib();
    return this.generation!;
  }

  lib(): Library {
    if (!this.library) throw new StudioError('library_unavailable', this.libraryStatus.ok ? 'The library is closed.' : this.libraryStatus.message);
    return this.library;
  }

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    this.emitter.emit('event', name, payload);
  }

  onEvent(listener: (name: EventName, payload: unknown) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  async close(): Promise<void> {
    // ffmpeg runs in child processes that would outlive the app (a picture being decoded at quit)
    stopFfmpeg();
    await this.generation?.close();
    this.library?.close();
  }
}

export function createHandlers(s: Services): Handlers {
  return {
    'app.info': () => ({ version: APP_VERSION, host: s.options.host, library: s.libraryStatus }),

    'projects.list': () => s.lib().listProjects(),
    'projects.create': ({ name }) => s.lib().createProject(name),
    'projects.rename': ({ id, name }) => s.lib().renameProject(id, name),
    'projects.delete': ({ id }) => {
      s.lib().deleteProject(id);
      return { ok: true as const };
    },

    'cards.list': ({ projectId }) => s.lib().listCards(projectId),
    'cards.create': ({ projectId, prompt, index }) => s.lib().createCard(projectId, prompt ?? '', index, s.gen().samplerDefaults()),
    'cards.update': ({ id, prompt, settings }) => s.lib().updateCard(id, { prompt, settings }),
    'cards.reorder': ({ projectId, order }) => s.lib().reorderCards(projectId, order),
    'cards.delete': ({ id }) => {
      s.lib().deleteCard(id);
      return { ok: true as const };
    },
    'cards.restore': ({ id }) => s.lib().restoreCard(id),
    'cards.setImage': async ({ id, picture }) => {
      s.lib().getCard(id); // a missing card is named before the picture is looked at
      return s.lib().setCardImage(id, picture ? await s.gen().storePicture(picture) : null);
    },
    'cards.createFromImage': async ({ projectId, index, picture }) => {
      const sha = await s.gen().storePicture(picture);
      const card = s.lib().createCard(projectId, '', index, s.gen().samplerDefaults());
      return s.lib().setCardImage(card.id, sha);
    },

    'engine.status': () => (s.generation ? s.generation.status() : { ready: false, message: 'The library is not open.', provider: null, providerReason: null, pack: null, packs: [], problems: [] }),
    'engine.usePack': ({ packId }) => s.gen().usePack(packId),
    'prompt.check': async ({ prompt }) => ({ unknownWords: await s.gen().unknownWords(prompt) }),

    'takes.list': ({ cardId }) => s.lib().takes.list(cardId),
    'takes.generate': ({ cardId, count }) => s.gen().generate(cardId, count),
    'takes.extend': ({ takeId, direction }) => s.gen().extend(takeId, direction),
    'takes.retake': ({ takeId, from, to }) => s.gen().retake(takeId, from, to),
    'takes.reproduce': ({ takeId }) => s.gen().reproduce(takeId),
    'takes.choose': ({ takeId }) => s.lib().takes.choose(takeId),
    'takes.delete': ({ takeId }) => {
      s.lib().takes.delete(takeId);
      return { ok: true as const };
    },
    'takes.restore': ({ takeId }) => s.lib().takes.restore(takeId),
    'cards.bridge': ({ leftCardId, rightCardId }) => s.gen().bridge(leftCardId, rightCardId),
    'jobs.cancel': ({ jobId }) => {
      s.gen().cancel(jobId);
      return { ok: true as const };
    },
  };
}
