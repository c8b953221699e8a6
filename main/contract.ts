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
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallInput<K extends CallName> = z.input<Calls[K]['input']>;
export type CallOutput<K extends CallName> = z.output<Calls[K]['output']>;

// ---- events (services -> renderer) -------------------------------------------------------

export const events = {
  /** Something in a project changed outside the caller's own request (another window, a job). */
  'library.changed': z.object({ projectId: Id.nullable() }),
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
}

/** Human-readable message of a zod failure: names the field and what it accepts. */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}
