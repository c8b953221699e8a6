/**
 * Takes from cards: turns a card (its prompt, settings and picture) into engine jobs, keeps every
 * take in the library as it happens, and reports progress and previews as contract events.
 *
 * A take is written `pending` before any work, the engine writes into a temporary folder, and the
 * finished media go into the content-addressed store and the take becomes `ready` in one
 * transaction. Cancel or failure ends the take as `cancelled`/`failed`; a crash leaves it pending,
 * and the next start marks it failed. Nothing is ever half-written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StudioError, type Card, type EngineStatus, type EventName, type EventPayload, type JobInfo, type Take } from './contract';
import { Engine } from './engine/engine';
import { extendOverlap, taskGuidance } from './engine/manifest';
import { manifestTask, runTask, type TaskSpec, type Provenance } from './engine/tasks';
import { Tokenizer } from './engine/tokenizer';
import { isCancelled } from './engine/util';
import { decodePicture } from './media/ffmpeg';
import { JobQueue, type JobSnapshot } from './jobs/queue';
import { newId, type Library, type TakeRequest } from './library/library';

type Emit = <K extends EventName>(name: K, payload: EventPayload<K>) => void;

/** The library preference that names the pack new takes are made with. */
const PACK_PREFERENCE = 'modelPack';

export interface GenerationOptions {
  userModelDirs: string[];
  builtInDir?: string;
}

const PICTURE_TYPES: { ext: 'png' | 'jpg' | 'webp'; test: (b: Buffer) => boolean }[] = [
  { ext: 'png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { ext: 'jpg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { ext: 'webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

export class Generation {
  private enginePromise: Promise<Engine> | null = null;
  /** The engine once open (choosing a take's pack must not wait for it). */
  private opened: Engine | null = null;
  private engineError: string | null = null;
  private readonly queue = new JobQueue();
  /** job id -> its take and card, for events and cancel. */
  private readonly jobs = new Map<string, { takeId: string; cardId: string }>();

  constructor(
    private readonly lib: Library,
    private readonly emit: Emit,
    private readonly options: GenerationOptions,
  ) {
    lib.takes.recoverInterrupted();
    // Nothing runs yet, so this is the one safe moment to tidy: tmp/ holds only scratch (take
    // folders made again on demand, the outputs of runs that died), and media no take or card
    // refers to any more (a project deleted mid-generation) is removed.
    fs.rmSync(path.join(lib.dir, 'tmp'), { recursive: true, force: true });
    lib.media.sweep();
  }

  private engine(): Promise<Engine> {
    if (!this.enginePromise) {
      this.enginePromise = Engine.open({ userModelDirs: this.options.userModelDirs, builtInDir: this.options.builtInDir });
      this.enginePromise.then((e) => (this.opened = e)).catch((err: Error) => {
        this.engineError = err.message;
        this.enginePromise = null;
      });
    }
    return this.enginePromise;
  }

  /** The pack chosen for new takes while it is still there; null means the built-in one. */
  private chosenPack(engine: Engine): { id: string | null; missing: string | null } {
    const chosen = this.lib.preference(PACK_PREFERENCE);
    if (typeof chosen !== 'string') return { id: null, missing: null };
    if (engine.packs().some((p) => p.manifest.id === chosen)) return { id: chosen, missing: null };
    return { id: null, missing: chosen };
  }

  /** The pack new takes use: the chosen one while it is there, else the built-in one (throws if none is usable). */
  private activePack(engine: Engine, chosen = this.chosenPack(engine)) {
    return engine.pack(chosen.id ?? undefined);
  }

  /** The active pack of an engine that has opened; null when it has not, or when no pack is usable. */
  private openedActivePack() {
    if (!this.opened) return null;
    try {
      return this.activePack(this.opened);
    } catch {
      return null;
    }
  }

  /**
   * The pack id a new take records: the chosen pack, else the built-in one. Recorded by id, so
   * Reproduce uses the same pack whatever is chosen later. Before the engine has opened (a
   * request seconds after start), the choice is recorded as it stands. With no usable pack,
   * none: the job fails with the engine's own message.
   */
  private packForNewTake(): string | undefined {
    if (!this.opened) return (this.lib.preference(PACK_PREFERENCE) as string | null) ?? undefined;
    return this.openedActivePack()?.manifest.id;
  }

  /**
   * Steps and guidance for a new card: the active pack's own sampler defaults (measured per pack;
   * world-s 0.5.0 moved guidance 3 -> 1.5). Before the engine has opened, or with no usable pack,
   * nothing: the library's DEFAULT_SETTINGS apply.
   */
  samplerDefaults(): { steps?: number; guidance?: number } {
    const sampler = this.openedActivePack()?.manifest.sampler;
    return sampler ? { steps: sampler.steps, guidance: sampler.guidance } : {};
  }

  /**
   * The guidance the active pack gives a task of its own (world-s: in-filling at 3, measured better
   * than the pack's 1.5), or nothing: then a derived take keeps its source take's guidance.
   */
  private guidanceForTask(task: Parameters<typeof manifestTask>[0]): number | undefined {
    const pack = this.openedActivePack();
    return pack ? taskGuidance(pack.manifest, manifestTask(task)) : undefined;
  }

  async status(): Promise<EngineStatus> {
    try {
      const engine = await this.engine();
      const problems = engine.problems().map((p) => p.message);
      const packs = engine.packs().map((p) => ({ id: p.manifest.id, version: p.manifest.version, source: p.source, description: typeof p.manifest.description === 'string' ? p.manifest.description : '' }));
      const chosen = this.chosenPack(engine);
      if (chosen.missing) problems.push(`The model pack "${chosen.missing}" chosen for new takes is no longer in the models folder; new takes use the built-in pack until it is back or another is chosen.`);
      let pack;
      try {
        pack = this.activePack(engine, chosen); // the choice read above, not read again
      } catch (err) {
        return { ready: false, message: (err as Error).message, provider: null, providerReason: null, pack: null, packs, problems };
      }
      const m = pack.manifest;
      return {
        ready: true,
        message: null,
        provider: engine.choice.providers[0] ?? 'cpu',
        providerReason: engine.choice.reason,
        pack: { id: m.id, version: m.version, sha256: pack.sha256, fps: m.fps, frames: m.frames_per_window, aspects: Object.keys(m.aspects ?? { '16:9': m.canvas }), extendOverlap: extendOverlap(m) },
        packs,
        problems,
      };
    } catch (err) {
      return { ready: false, message: this.engineError ?? (err as Error).message, provider: null, providerReason: null, pack: null, packs: [], problems: [] };
    }
  }

  /** Chooses the pack new takes are made with; kept in the library, so it holds after a restart. */
  async usePack(packId: string): Promise<EngineStatus> {
    const engine = await this.engine();
    const found = engine.packs().map((p) => p.manifest.id);
    if (!found.includes(packId)) {
      throw new StudioError('not_found', `There is no usable model pack "${packId}". Packs found: ${found.join(', ') || 'none'}. Put the pack's folder (manifest.json and its graphs) in the models folder and restart the studio.`);
    }
    this.lib.setPreference(PACK_PREFERENCE, packId);
    return this.status();
  }

  /** Words of the prompt the pack does not know, by the pack's own tokenizer. */
  async unknownWords(prompt: string): Promise<string[]> {
    const engine = await this.engine();
    const pack = this.activePack(engine);
    return Tokenizer.forPack(pack).tokenize(prompt).unknownWords;
  }

  // ---- pictures ----

  /** Checks a dropped picture (kind, and that it decodes) and stores it; returns its hash. */
  async storePicture(picture: { name: string; type: string; dataBase64: string }): Promise<string> {
    const bytes = Buffer.from(picture.dataBase64, 'base64');
    const kind = PICTURE_TYPES.find((t) => t.test(bytes));
    if (!kind) {
      throw new StudioError('invalid_input', `${picture.name} is not a PNG, JPEG or WebP picture${picture.type ? ` (it is ${picture.type})` : ''}. Drop a PNG, JPEG or WebP file.`);
    }
    // A random name: two drops in the same millisecond must not share (and delete) one file.
    const tmp = path.join(this.lib.dir, 'tmp', `upload-${newId()}.${kind.ext}`);
    fs.mkdirSync(path.dirname(tmp), { recursive: true });
    fs.writeFileSync(tmp, bytes);
    try {
      await decodePicture(tmp, 16, 16);
    } catch (err) {
      // The person gets the plain message; the log keeps ffmpeg's own words for a bug report.
      console.error(`[studio] ${picture.name} did not decode:`, err);
      throw new StudioError('invalid_input', `${picture.name} could not be read as a picture: it may be damaged or incomplete. Nothing on the card was changed.`);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    return this.lib.media.putBytes(bytes, kind.ext);
  }

  // ---- jobs ----

  private mediaFile(sha256: string): string {
    const f = this.lib.media.find(sha256);
    if (!f) throw new StudioError('not_found', `A media file of this project is missing from the library (${sha256.slice(0, 12)}…).`);
    return f.file;
  }

  /** A take's frames as a folder of PNGs (hard links into the media store: no copies). */
  private takeFolder(take: Take): string {
    if (take.status !== 'ready' || take.frameSha256s.length === 0) throw new StudioError('conflict', 'This take is not finished; only a ready take can be extended, bridged or retaken.');
    const dir = path.join(this.lib.dir, 'tmp', `take-${take.id}`, 'frames');
    if (!fs.existsSync(dir)) {
      const tmp = `${dir}.${process.pid}.tmp`;
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.mkdirSync(tmp, { recursive: true });
      take.frameSha256s.forEach((sha, i) => {
        const dst = path.join(tmp, `${String(i + 1).padStart(4, '0')}.png`);
        try {
          fs.linkSync(this.mediaFile(sha), dst);
        } catch {
          fs.copyFileSync(this.mediaFile(sha), dst);
        }
      });
      fs.renameSync(tmp, dir);
    }
    return dir;
  }

  private taskFor(req: TakeRequest): TaskSpec {
    const take = (id: unknown) => this.lib.takes.get(String(id));
    switch (req.task) {
      case 'text-to-video':
        return { kind: 'text-to-video' };
      case 'image-to-video':
        return { kind: 'image-to-video', image: this.mediaFile(String(req.image)) };
      case 'extend':
        return {
          kind: 'extend',
          source: this.takeFolder(take(req.sourceTake)),
          direction: req.direction as 'forward' | 'backward',
          ...(typeof req.overlap === 'number' ? { overlap: req.overlap } : {}),
        };
      case 'infill':
        return { kind: 'infill', from: this.takeFolder(take(req.fromTake)), to: this.takeFolder(take(req.toTake)) };
      case 'retake':
        return { kind: 'retake', source: this.takeFolder(take(req.sourceTake)), range: req.range as [number, number] };
    }
  }

  /** Stores a pending take and queues its job. */
  private enqueue(cardId: string, request: TakeRequest, reproduces?: string): JobInfo {
    const take = this.lib.takes.createPending(cardId, request);
    const task = this.taskFor(request); // fails now, before queueing, when a source is missing
    const label = `${request.task} ${take.id}`;
    const { id: jobId, done } = this.queue.add(label, async ({ signal }) => {
      const started = performance.now();
      const engine = await this.engine();
      const out = path.join(this.lib.dir, 'tmp', `out-${take.id}`);
      fs.rmSync(out, { recursive: true, force: true });
      try {
        const outcome = await runTask(
          engine,
          { task, packId: typeof request.packId === 'string' ? request.packId : undefined, prompt: request.prompt, seed: request.seed, steps: request.steps, guidance: request.guidance, aspect: request.aspect, out },
          {
            signal,
            onProgress: (p) =>
              this.emit('job.progress', {
                jobId,
                takeId: take.id,
                cardId,
                state: 'running',
                stage: p.stage,
                step: p.total ? p.step : null,
                total: p.total || null,
                fraction: p.fraction,
                etaMs: p.etaMs,
                queuePosition: null,
              }),
            onPreview: (pv) =>
              this.emit('job.preview', {
                jobId,
                takeId: take.id,
                cardId,
                width: pv.width,
                height: pv.height,
                frames: pv.frames.length,
                step: pv.step,
                total: pv.total,
                rgbBase64: Buffer.concat(pv.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))).toString('base64'),
              }),
            preview: { frameStride: 2, budget: 0.2 },
          },
        );
        return this.ingest(take.id, outcome.dir, outcome.provenance, performance.now() - started);
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    });
    this.jobs.set(jobId, { takeId: take.id, cardId });
    done
      .then((snap) => this.settle(snap, take.id, reproduces))
      .catch((err) => console.error('[studio] job bookkeeping failed:', err));
    this.announceQueue();
    return { jobId, takeId: take.id, cardId };
  }

  /** Records how a job ended on its take and tells the renderer. */
  private settle(snap: JobSnapshot, takeId: string, reproduces?: string): void {
    this.jobs.delete(snap.id);
    let take: Take;
    if (snap.state === 'ready') take = this.lib.takes.get(takeId);
    else if (snap.state === 'cancelled' || isCancelled(snap.error)) take = this.lib.takes.end(takeId, 'cancelled', 'Cancelled.');
    else take = this.lib.takes.end(takeId, 'failed', snap.error ?? 'The generation failed.');
    let reproduced = null;
    if (reproduces && take.status === 'ready') {
      const original = this.lib.takes.get(reproduces);
      reproduced = { of: reproduces, identical: original.frameSha256s.join() === take.frameSha256s.join() && original.videoSha256 === take.videoSha256 };
    }
    this.emit('take.changed', { take, reproduced });
    this.announceQueue();
  }

  /** Tells every waiting job its place in the queue. */
  private announceQueue(): void {
    const waiting = this.queue.list().filter((j) => j.state === 'pending');
    waiting.forEach((j, i) => {
      const info = this.jobs.get(j.id);
      if (info) this.emit('job.progress', { jobId: j.id, ...info, state: 'pending', stage: 'queued', step: null, total: null, fraction: 0, etaMs: null, queuePosition: i + 1 });
    });
  }

  /** Moves a finished run's files into the media store and marks the take ready, in one transaction. */
  private ingest(takeId: string, dir: string, provenance: Provenance, elapsedMs: number): Take {
    const frameShas = provenance.files.frames.map((f) => this.lib.media.putFile(path.join(dir, f), 'png'));
    const videoSha256 = this.lib.media.putFile(path.join(dir, provenance.files.clip), 'mp4');
    // The thumbnail is the middle frame, lossless; the renderer scales it.
    const thumbSha256 = frameShas[Math.floor(frameShas.length / 2)]!;
    const { files: _files, ...kept } = provenance;
    return this.lib.takes.finish(takeId, {
      provenance: { ...kept, frame_sha256: frameShas, video_sha256: videoSha256 },
      videoSha256,
      thumbSha256,
      frameSha256s: frameShas,
      width: provenance.width,
      height: provenance.height,
      fps: provenance.fps,
      elapsedMs,
      conditioning: provenance.conditioning.map((c, i) => ({ role: `${c.role}${c.frame ? `@${c.frame}` : ''}#${i}`, sha256: c.sha256 })),
    });
  }

  // ---- what the contract asks for ----

  generate(cardId: string, count: number): JobInfo[] {
    const card = this.lib.getCard(cardId);
    const s = card.settings;
    const made = this.whatGenerateMakes(card); // looked up once for all the takes
    const jobs: JobInfo[] = [];
    for (let i = 0; i < count; i++) {
      jobs.push(this.enqueue(cardId, { packId: this.packForNewTake(), prompt: card.prompt, seed: (s.seed + i) % 2 ** 31, steps: s.steps, guidance: s.guidance, aspect: s.aspect, ...made }));
    }
    return jobs;
  }

  /**
   * What Generate makes on a card: from its picture when it has one; else, on a card that Extend or
   * Bridge made, another extension or bridge of the same takes (its earliest such take says which), so
   * more takes of a connecting card still connect; else text-to-video. The card's prompt and settings
   * apply; the conditioning takes set the canvas.
   */
  private whatGenerateMakes(card: Card): { task: Take['task']; [key: string]: unknown } {
    if (card.imageHash) return { task: 'image-to-video', image: card.imageHash };
    // (a missing source take fails in taskFor, before anything is queued)
    const made = this.lib.takes.list(card.id).find((t) => t.task === 'extend' || t.task === 'infill');
    const req = (made?.provenance as { request?: TakeRequest } | undefined)?.request;
    if (req?.task === 'extend') return { task: 'extend', aspect: req.aspect, direction: req.direction, sourceTake: req.sourceTake, ...overlapOf(card) };
    if (req?.task === 'infill') return { task: 'infill', aspect: req.aspect, fromTake: req.fromTake, toTake: req.toTake };
    return { task: 'text-to-video' };
  }

  extend(takeId: string, direction: 'forward' | 'backward'): { card: Card; job: JobInfo } {
    const take = this.lib.takes.get(takeId);
    this.takeFolder(take); // refuses an unfinished take before a card is made
    const from = this.lib.getCard(take.cardId);
    const index = from.position + (direction === 'forward' ? 1 : 0);
    const guidance = this.guidanceForTask({ kind: 'extend', direction }) ?? take.guidance;
    // the new card's settings say how its take was made
    const card = this.lib.createCard(from.projectId, take.prompt, index, { ...from.settings, guidance });
    const job = this.enqueue(card.id, { task: 'extend', packId: this.packForNewTake(), prompt: take.prompt, seed: take.seed, steps: take.steps, guidance, aspect: take.aspect, direction, sourceTake: take.id, ...overlapOf(from) });
    return { card: this.lib.getCard(card.id), job };
  }

  bridge(leftCardId: string, rightCardId: string): { card: Card; job: JobInfo } {
    const left = this.lib.getCard(leftCardId);
    const right = this.lib.getCard(rightCardId);
    if (left.projectId !== right.projectId || right.position !== left.position + 1) {
      throw new StudioError('conflict', 'Bridge joins two neighbouring cards: put the second card right after the first.');
    }
    if (!left.chosenTakeId || !right.chosenTakeId) {
      throw new StudioError('conflict', `Both cards need a chosen take to bridge: card ${left.chosenTakeId ? right.position + 1 : left.position + 1} has none yet.`);
    }
    const prompt = [left.prompt, right.prompt].filter(Boolean).join(', then ');
    const a = this.lib.takes.get(left.chosenTakeId);
    const guidance = this.guidanceForTask({ kind: 'infill' }) ?? a.guidance;
    const card = this.lib.createCard(left.projectId, prompt, right.position, { ...left.settings, guidance });
    const job = this.enqueue(card.id, { task: 'infill', packId: this.packForNewTake(), prompt, seed: card.settings.seed, steps: a.steps, guidance, aspect: a.aspect, fromTake: left.chosenTakeId, toTake: right.chosenTakeId });
    return { card: this.lib.getCard(card.id), job };
  }

  retake(takeId: string, from: number, to: number): JobInfo {
    const take = this.lib.takes.get(takeId);
    const n = take.frames ?? 0;
    if (!(from <= to && to <= n)) throw new StudioError('invalid_input', `A retake range is frames A to B with 1 ≤ A ≤ B ≤ ${n}; got ${from} to ${to}.`);
    const card = this.lib.getCard(take.cardId);
    // A retake keeps every other frame of the take, so it is made with the take's own pack.
    return this.enqueue(take.cardId, { task: 'retake', packId: packOf(take), prompt: card.prompt || take.prompt, seed: take.seed + 7919, steps: take.steps, guidance: take.guidance, aspect: take.aspect, range: [from, to], sourceTake: take.id });
  }

  reproduce(takeId: string): JobInfo {
    const take = this.lib.takes.get(takeId);
    const request = (take.provenance as { request?: TakeRequest }).request;
    if (!request) throw new StudioError('conflict', 'This take has no stored request to reproduce.');
    return this.enqueue(take.cardId, request, take.id);
  }

  cancel(jobId: string): void {
    if (!this.queue.cancel(jobId)) throw new StudioError('not_found', 'That generation has already finished or does not exist.');
  }

  async close(): Promise<void> {
    this.queue.cancelAll();
    await this.queue.idle();
    if (this.enginePromise) await (await this.enginePromise).close();
  }
}

/**
 * The frames an extension of the card's takes continues from, when the card says; recorded in the
 * request, so Reproduce gives the same extension whatever the card says later. Without it the
 * engine takes the pack's own (conditioning.extend_overlap), which the pack's manifest fixes.
 */
function overlapOf(card: Card): { overlap?: number } {
  return card.settings.extendOverlap ? { overlap: card.settings.extendOverlap } : {};
}

/** The pack a take was made with (its request's, else its provenance's; undefined: the built-in one). */
function packOf(take: Take): string | undefined {
  const p = take.provenance as { request?: TakeRequest; pack?: { id?: unknown } };
  const id = p.request?.packId ?? p.pack?.id;
  return typeof id === 'string' ? id : undefined;
}
