/**
 * The one contract between the renderer and the services.
 *
 * Every call and every event is declared here once: its name, the schema of what goes in and
 * what comes out. Both hosts (Electron's ipcMain and the browser host's WebSocket) dispatch from
 * this table and validate at the boundary; the renderer takes its types from it. No channel or
 * call name is spelled anywhere else.
 */
import { z } from 'zod';

/** The transport channels. Only the hosts and the preload use these. */
export const CHANNELS = {
  invoke: 'studio:invoke',
  event: 'studio:event',
} as const;

// ---- shared shapes -------------------------------------------------------------------------

export const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'an id is letters, digits, _ and -');
export const ProjectName = z
  .string()
  .trim()
  .min(1, 'a project needs a name')
  .max(120, 'a project name is at most 120 characters');
export const PromptText = z.string().max(2000, 'a prompt is at most 2000 characters');

export const Aspect = z.enum(['16:9', '1:1']);
export const CardSettings = z.object({
  seed: z.number().int().min(0).max(2 ** 31 - 1),
  steps: z.number().int().min(1).max(100),
  guidance: z.number().min(0).max(20),
  aspect: Aspect,
  /**
   * How many frames of a take its extensions continue from; null: the pack's own
   * (conditioning.extend_overlap). More frames make a surer extension that adds less new time.
   */
  extendOverlap: z.number().int().min(1).max(64).nullable(),
});
export type CardSettings = z.infer<typeof CardSettings>;

export const Project = z.object({
  id: Id,
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  cardCount: z.number().int(),
});
export type Project = z.infer<typeof Project>;

export const Card = z.object({
  id: Id,
  projectId: Id,
  position: z.number().int(),
  prompt: z.string(),
  settings: CardSettings,
  chosenTakeId: Id.nullable(),
  imageHash: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Card = z.infer<typeof Card>;

export const TakeStatus = z.enum(['pending', 'ready', 'failed', 'cancelled']);
export const TakeTask = z.enum(['text-to-video', 'image-to-video', 'extend', 'infill', 'retake']);

/** A generated clip on a card. Never overwritten: every generation is a new take. */
export const Take = z.object({
  id: Id,
  cardId: Id,
  status: TakeStatus,
  task: TakeTask,
  prompt: z.string(),
  seed: z.number().int(),
  steps: z.number().int(),
  guidance: z.number(),
  aspect: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  frames: z.number().int().nullable(),
  fps: z.number().nullable(),
  videoSha256: z.string().nullable(),
  thumbSha256: z.string().nullable(),
  /** Every frame, lossless, in order (empty until ready). */
  frameSha256s: z.array(z.string()),
  /** Full provenance as the engine wrote it (prompt, seed, settings, pack and hash, provider, conditioning, timings). */
  provenance: z.record(z.string(), z.unknown()),
  unknownWords: z.array(z.string()),
  error: z.string().nullable(),
  elapsedMs: z.number().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type Take = z.infer<typeof Take>;

export const EngineStatus = z.object({
  ready: z.boolean(),
  /** Why not, when not: names the pack file and what to do. */
  message: z.string().nullable(),
  provider: z.string().nullable(),
  providerReason: z.string().nullable(),
  /** The pack new takes are made with: the one chosen with engine.usePack, else the built-in one. */
  pack: z
    .object({
      id: z.string(),
      version: z.string(),
      sha256: z.string(),
      fps: z.number(),
      frames: z.number().int(),
      aspects: z.array(z.string()),
      /** Frames of a take an extension continues from when the card does not say (the pack's conditioning.extend_overlap). */
      extendOverlap: z.number().int(),
    })
    .nullable(),
  /** Every usable pack found (built-in first, then the user's models folder), to choose from. */
  packs: z.array(z.object({ id: z.string(), version: z.string(), source: z.enum(['built-in', 'user']), description: z.string() })),
  problems: z.array(z.string()),
});
export type EngineStatus = z.infer<typeof EngineStatus>;

export const JobInfo = z.object({ jobId: z.string(), takeId: Id, cardId: Id });
export type JobInfo = z.infer<typeof JobInfo>;

/** A picture given by the person (dropped on a card), carried as base64. */
export const PictureUpload = z.object({
  name: z.string().max(500),
  type: z.string().max(100),
  dataBase64: z.string().max(70_000_000, 'a picture is at most 50 MB'),
});

export const LibraryStatus = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), path: z.string(), schemaVersion: z.number().int() }),
  z.object({ ok: z.literal(false), path: z.string(), message: z.string() }),
]);
export type LibraryStatus = z.infer<typeof LibraryStatus>;

export const AppInfo = z.object({
  version: z.string(),
  host: z.enum(['electron', 'browser']),
  library: LibraryStatus,
});
export type AppInfo = z.infer<typeof AppInfo>;

const Empty = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });

// ---- calls ---------------------------------------------------------------------------------

function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc };
}

export const calls = {
  'app.info': call(Empty, AppInfo, 'Version, host kind and the state of the library.'),

  'projects.list': call(Empty, z.array(Project), 'All projects, most recently changed first.'),
  'projects.create': call(z.object({ name: ProjectName }).strict(), Project, 'Create a project.'),
  'projects.rename': call(z.object({ id: Id, name: ProjectName }).strict(), Project, 'Rename a project.'),
  'projects.delete': call(z.object({ id: Id }).strict(), Ok, 'Delete a project and all its cards and takes.'),

  'cards.list': call(z.object({ projectId: Id }).strict(), z.array(Card), 'The live cards of a project, in order.'),
  'cards.create': call(
    z
      .object({
        projectId: Id,
        prompt: PromptText.optional(),
        /** Where to insert; the end when left out. */
        index: z.number().int().min(0).optional(),
      })
      .strict(),
    Card,
    'Add a card.',
  ),
  'cards.update': call(
    z.object({ id: Id, prompt: PromptText.optional(), settings: CardSettings.partial().optional() }).strict(),
    Card,
    "Change a card's prompt or settings.",
  ),
  'cards.reorder': call(
    z.object({ projectId: Id, order: z.array(Id).min(1) }).strict(),
    z.array(Card),
    'Put the cards of a project in the given order (every live card exactly once).',
  ),
  'cards.delete': call(z.object({ id: Id }).strict(), Ok, 'Delete a card (it can be restored with cards.restore).'),
  'cards.restore': call(z.object({ id: Id }).strict(), Card, 'Bring back a deleted card at its old place.'),
  'cards.setImage': call(
    z.object({ id: Id, picture: PictureUpload.nullable() }).strict(),
    Card,
    "Make a picture the card's first frame (image-to-video), or clear it with null.",
  ),
  'cards.createFromImage': call(
    z.object({ projectId: Id, index: z.number().int().min(0).optional(), picture: PictureUpload }).strict(),
    Card,
    'A new card whose first frame is the picture.',
  ),

  'engine.status': call(Empty, EngineStatus, 'The model pack, the execution provider, and any pack problems.'),
  'engine.usePack': call(
    z.object({ packId: z.string().min(1).max(200) }).strict(),
    EngineStatus,
    'Make new takes with this model pack (kept in the library). Retakes and Reproduce keep the pack of the take they start from.',
  ),
  'prompt.check': call(z.object({ prompt: PromptText }).strict(), z.object({ unknownWords: z.array(z.string()) }), 'Words of a prompt the model pack does not know.'),

  'takes.list': call(z.object({ cardId: Id }).strict(), z.array(Take), 'The takes of a card, oldest first (deleted ones left out).'),
  'takes.generate': call(
    z.object({ cardId: Id, count: z.number().int().min(1).max(8).default(1) }).strict(),
    z.array(JobInfo),
    "Queue `count` takes of the card with consecutive seeds from the card's seed.",
  ),
  'takes.extend': call(
    z.object({ takeId: Id, direction: z.enum(['forward', 'backward']) }).strict(),
    z.object({ card: Card, job: JobInfo }),
    "A new card after (forward) or before (backward) the take's card, whose clip continues the take from as many of its frames as the take's card says (settings.extendOverlap), else the pack's; the new card keeps that setting.",
  ),
  'takes.retake': call(
    z.object({ takeId: Id, from: z.number().int().min(1), to: z.number().int().min(1) }).strict(),
    JobInfo,
    'Generate frames from..to (1-based, inclusive) of a take again as a new take; every other frame is kept exactly.',
  ),
  'takes.reproduce': call(z.object({ takeId: Id }).strict(), JobInfo, 'Generate the take again from its provenance; the result says whether the bytes matched.'),
  'takes.choose': call(z.object({ takeId: Id }).strict(), Card, "Make the take the card's chosen take."),
  'takes.delete': call(z.object({ takeId: Id }).strict(), Ok, 'Delete a take (takes.restore brings it back).'),
  'takes.restore': call(z.object({ takeId: Id }).strict(), Take, 'Bring back a deleted take.'),
  'cards.bridge': call(
    z.object({ leftCardId: Id, rightCardId: Id }).strict(),
    z.object({ card: Card, job: JobInfo }),
    'A new card between two neighbours whose clip in-fills from the end of the first chosen take to the start of the second.',
  ),
  'jobs.cancel': call(z.object({ jobId: z.string() }).strict(), Ok, 'Cancel a queued or running generation.'),
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallInput<K extends CallName> = z.input<Calls[K]['input']>;
export type CallOutput<K extends CallName> = z.output<Calls[K]['output']>;

// ---- events (services -> renderer) -------------------------------------------------------

export const events = {
  /** Something in a project changed outside the caller's own request (another window, a job). */
  'library.changed': z.object({ projectId: Id.nullable() }),
  /** Progress of a generation: stage, step, fraction and estimate of time left. */
  'job.progress': z.object({
    jobId: z.string(),
    takeId: Id,
    cardId: Id,
    state: z.enum(['pending', 'running']),
    stage: z.string(),
    step: z.number().int().nullable(),
    total: z.number().int().nullable(),
    fraction: z.number(),
    etaMs: z.number().nullable(),
    /** 1-based place in the queue while waiting. */
    queuePosition: z.number().int().nullable(),
  }),
  /** The sampler's current estimate of the clean clip, decoded small: RGB bytes, base64, frame after frame. */
  'job.preview': z.object({ jobId: z.string(), takeId: Id, cardId: Id, width: z.number().int(), height: z.number().int(), frames: z.number().int(), step: z.number().int(), total: z.number().int(), rgbBase64: z.string() }),
  /** A take changed state (ready, failed, cancelled, deleted, chosen). */
  'take.changed': z.object({ take: Take, reproduced: z.object({ of: Id, identical: z.boolean() }).nullable() }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = z.output<Events[K]>;

// ---- errors --------------------------------------------------------------------------------

export const ErrorCode = z.enum([
  'invalid_input', // the request does not match the contract
  'not_found', // the thing named does not exist
  'conflict', // the request contradicts the current state
  'library_unavailable', // the library could not be opened; the message says why and what to do
  'unknown_call', // no such call in the contract
  'internal', // a bug: the message is for a bug report
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({ code: ErrorCode, message: z.string() });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The envelope every reply travels in, over either host. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: ErrorBody };

export class StudioError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StudioError';
  }
}

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}

/** The door the renderer sees as `window.studio`, whichever host carries it. */
export interface StudioApi {
  invoke<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
  /** Where the renderer loads a stored media file (video, frame, thumbnail) from. */
  mediaUrl(sha256: string, ext: string): string;
}

/** The URL scheme the Electron host serves library media under. */
export const MEDIA_SCHEME = 'studio-media';

/** Human-readable message of a zod failure: names the field and what it accepts. */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}
