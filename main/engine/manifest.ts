/**
 * The model pack manifest (resources/models/<id>/manifest.json), validated with zod.
 * Only what the engine relies on is required; everything else the pack says is kept (loose
 * objects) so newer packs with more to say still load.
 */
import { z } from 'zod';

/** Frames an extension is given when the pack's manifest names no count (every pack before the field). */
const DEFAULT_EXTEND_OVERLAP = 4;

const Size = z.object({ width: z.number().int().positive(), height: z.number().int().positive() });
const NumOrList = z.union([z.number(), z.array(z.number())]);
const Graph = z.looseObject({
  file: z.string().min(1).refine((f) => !f.includes('..') && !f.startsWith('/'), 'a graph file must lie inside the pack folder'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'sha256 is 64 hex digits'),
});

export const Manifest = z.looseObject({
  format: z.literal(1),
  id: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'a pack id is letters, digits, ., _ and -'),
  version: z.string().min(1),
  license: z.string().optional(),
  fps: z.number().positive(),
  frames_per_window: z.number().int().positive(),
  canvas: Size,
  aspects: z.record(z.string(), Size).optional(),
  latent: z.looseObject({
    channels: z.number().int().positive(),
    spatial_stride: z.number().int().positive(),
    temporal_stride: z.number().int().positive().optional(),
    scale: NumOrList.optional(),
    shift: NumOrList.optional(),
  }),
  tasks: z.array(z.string()).optional(),
  conditioning: z
    .looseObject({
      /** Frames of a clip an extension is given unless the user asks for another count (4 when absent). */
      extend_overlap: z.number().int().positive().optional(),
    })
    .optional(),
  sampler: z.looseObject({
    kind: z.string(),
    prediction: z.enum(['x0', 'velocity', 'v', 'eps']).default('x0'),
    steps: z.number().int().positive(),
    guidance: z.number().min(0),
    /** Tasks measured better at another guidance than `guidance` (e.g. { infill: 3 }), by manifest task name. */
    task_guidance: z.record(z.string(), z.number().min(0)).optional(),
    /** The share of the starting noise that every frame shares, as the pack trained (0 for packs before it). */
    noise_share: z.number().min(0).lt(1).default(0),
    schedule: z.string().optional(),
  }),
  text: z.looseObject({
    vocab_file: z.string().min(1),
    max_tokens: z.number().int().positive(),
    pad_id: z.number().int().min(0),
    unk_id: z.number().int().min(0),
    null_prompt: z.string().optional(),
  }),
  graphs: z.object({ text_encoder: Graph, denoiser: Graph, encoder: Graph, decoder: Graph }).loose(),
  io: z.unknown().optional(),
  training: z.unknown().optional(),
  evaluation: z.unknown().optional(),
}).refine((m) => (m.conditioning?.extend_overlap ?? DEFAULT_EXTEND_OVERLAP) < m.frames_per_window, {
  message: 'must be smaller than frames_per_window (an extension needs at least one new frame)',
  path: ['conditioning', 'extend_overlap'],
});
export type Manifest = z.infer<typeof Manifest>;
export type GraphName = 'text_encoder' | 'denoiser' | 'encoder' | 'decoder';
export const GRAPH_NAMES: GraphName[] = ['text_encoder', 'denoiser', 'encoder', 'decoder'];

/** A reading: a word whose token depends on the word before it ("pans right" -> "right@pan"); see tokenizer.ts. */
export const Reading = z.object({
  words: z.array(z.string().min(1)).min(1),
  after: z.array(z.string().min(1)).min(1),
  skip: z.array(z.string().min(1)),
  suffix: z.string().min(1),
});
export type Reading = z.infer<typeof Reading>;
export type Vocab = z.infer<typeof Vocab>;
export const Vocab = z.looseObject({ words: z.array(z.string()).min(2), readings: z.array(Reading).optional() });

/** The guidance a pack gives a task of its own (manifest task name: "infill", "extend-forward", ...), if any. */
export function taskGuidance(m: Manifest, task: string): number | undefined {
  return m.sampler.task_guidance?.[task];
}

/** How many frames of the source clip an extension continues from, unless the user says otherwise. */
export function extendOverlap(m: Manifest): number {
  return m.conditioning?.extend_overlap ?? DEFAULT_EXTEND_OVERLAP;
}

/** The canvas for an aspect ("16:9", "1:1"); the pack canvas when the pack lists no aspects. */
export function canvasFor(m: Manifest, aspect?: string): { width: number; height: number } {
  if (!aspect) return m.canvas;
  const a = m.aspects?.[aspect];
  if (a) return a;
  if (!m.aspects && aspect === '16:9') return m.canvas;
  throw new Error(`the pack ${m.id} has no ${aspect} canvas (it has ${Object.keys(m.aspects ?? { [`${m.canvas.width}x${m.canvas.height}`]: 0 }).join(', ')})`);
}
