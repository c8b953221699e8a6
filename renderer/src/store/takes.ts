import type { StateCreator } from 'zustand';
import type { EngineStatus, EventPayload, JobInfo, Take } from '../../../main/contract';
import { studio } from '../studio';
import type { StudioState } from './index';

export type JobProgress = EventPayload<'job.progress'>;
export interface Preview {
  width: number;
  height: number;
  frames: ImageData[];
  step: number;
  total: number;
}

export interface TakesSlice {
  engine: EngineStatus | null;
  takesByCard: Record<string, Take[]>;
  /** Jobs in flight, by take id. */
  jobs: Record<string, JobProgress>;
  /** The newest live preview of each card with a running job. */
  previews: Record<string, Preview>;
  /** A message about a card (a refused picture, a failed take), shown on the card. */
  cardMessages: Record<string, string>;
  unknownWords: Record<string, string[]>;
  /** Reproduce results: take id -> whether the bytes matched the original. */
  reproduced: Record<string, { of: string; identical: boolean }>;
  loadEngine: () => Promise<void>;
  /** New takes are made with this pack; the cards' unknown words are checked again by its vocabulary. */
  usePack: (packId: string) => Promise<void>;
  loadTakes: (cardId: string) => Promise<void>;
  generate: (cardId: string, count: number) => Promise<void>;
  cancelJob: (jobId: string) => Promise<void>;
  chooseTake: (take: Take) => Promise<void>;
  deleteTake: (take: Take) => Promise<void>;
  extendTake: (take: Take, direction: 'forward' | 'backward') => Promise<void>;
  retakeRange: (take: Take, from: number, to: number) => Promise<void>;
  reproduceTake: (take: Take) => Promise<void>;
  bridge: (leftCardId: string, rightCardId: string) => Promise<void>;
  dropPicture: (cardId: string | null, file: File, index?: number) => Promise<void>;
  clearPicture: (cardId: string) => Promise<void>;
  checkPrompt: (cardId: string, prompt: string) => Promise<void>;
  setCardMessage: (cardId: string, message: string | null) => void;
  subscribe: () => () => void;
}

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function decodePreview(p: EventPayload<'job.preview'>): Preview {
  const raw = Uint8Array.from(atob(p.rgbBase64), (c) => c.charCodeAt(0));
  const px = p.width * p.height;
  const frames: ImageData[] = [];
  for (let f = 0; f < p.frames; f++) {
    const img = new ImageData(p.width, p.height);
    for (let i = 0; i < px; i++) {
      img.data[i * 4] = raw[(f * px + i) * 3]!;
      img.data[i * 4 + 1] = raw[(f * px + i) * 3 + 1]!;
      img.data[i * 4 + 2] = raw[(f * px + i) * 3 + 2]!;
      img.data[i * 4 + 3] = 255;
    }
    frames.push(img);
  }
  return { width: p.width, height: p.height, frames, step: p.step, total: p.total };
}

export const createTakesSlice: StateCreator<StudioState, [], [], TakesSlice> = (set, get) => {
  const upsertTake = (take: Take) =>
    set((s) => {
      const list = s.takesByCard[take.cardId] ?? [];
      const i = list.findIndex((t) => t.id === take.id);
      const next = i >= 0 ? list.map((t) => (t.id === take.id ? take : t)) : [...list, take];
      return { takesByCard: { ...s.takesByCard, [take.cardId]: next } };
    });

  const started = async (jobs: JobInfo[]) => {
    for (const j of jobs) {
      set((s) => ({ jobs: { ...s.jobs, [j.takeId]: { ...j, state: 'pending', stage: 'queued', step: null, total: null, fraction: 0, etaMs: null, queuePosition: null } } }));
      await get().loadTakes(j.cardId);
    }
  };

  const guard = async (cardId: string | null, work: () => Promise<void>) => {
    try {
      if (cardId) get().setCardMessage(cardId, null);
      await work();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (cardId) get().setCardMessage(cardId, msg);
      else get().fail(err);
    }
  };

  return {
    engine: null,
    takesByCard: {},
    jobs: {},
    previews: {},
    cardMessages: {},
    unknownWords: {},
    reproduced: {},
    loadEngine: async () => {
      try {
        set({ engine: await studio.invoke('engine.status', {}) });
      } catch (err) {
        get().fail(err);
      }
    },
    usePack: (packId) =>
      guard(null, async () => {
        set({ engine: await studio.invoke('engine.usePack', { packId }) });
        await Promise.all(get().cards.map((c) => get().checkPrompt(c.id, c.prompt)));
      }),
    loadTakes: async (cardId) => {
      try {
        const takes = await studio.invoke('takes.list', { cardId });
        set((s) => ({ takesByCard: { ...s.takesByCard, [cardId]: takes } }));
      } catch {
        /* the card may be gone; nothing to show */
      }
    },
    generate: (cardId, count) =>
      guard(cardId, async () => {
        await get().flushPrompt(cardId);
        await started(await studio.invoke('takes.generate', { cardId, count }));
      }),
    cancelJob: (jobId) => guard(null, async () => void (await studio.invoke('jobs.cancel', { jobId }))),
    chooseTake: (take) =>
      guard(take.cardId, async () => {
        const card = await studio.invoke('takes.choose', { takeId: take.id });
        set((s) => ({ cards: s.cards.map((c) => (c.id === card.id ? card : c)) }));
      }),
    deleteTake: (take) =>
      guard(take.cardId, async () => {
        await get().track(studio.invoke('takes.delete', { takeId: take.id }));
        await get().loadTakes(take.cardId);
        await get().loadCards(get().currentProjectId!);
        get().pushUndo({
          label: 'Delete take',
          undo: async () => {
            await studio.invoke('takes.restore', { takeId: take.id });
            await get().loadTakes(take.cardId);
            await get().loadCards(get().currentProjectId!);
          },
        });
      }),
    extendTake: (take, direction) =>
      guard(take.cardId, async () => {
        const { job } = await studio.invoke('takes.extend', { takeId: take.id, direction });
        await get().loadCards(get().currentProjectId!);
        await started([job]);
      }),
    retakeRange: (take, from, to) => guard(take.cardId, async () => started([await studio.invoke('takes.retake', { takeId: take.id, from, to })])),
    reproduceTake: (take) => guard(take.cardId, async () => started([await studio.invoke('takes.reproduce', { takeId: take.id })])),
    bridge: (leftCardId, rightCardId) =>
      guard(null, async () => {
        const { job } = await studio.invoke('cards.bridge', { leftCardId, rightCardId });
        await get().loadCards(get().currentProjectId!);
        await started([job]);
      }),
    dropPicture: (cardId, file, index) =>
      guard(cardId, async () => {
        const picture = { name: file.name, type: file.type, dataBase64: await toBase64(file) };
        const projectId = get().currentProjectId;
        if (!projectId) return;
        if (cardId) {
          const card = await get().track(studio.invoke('cards.setImage', { id: cardId, picture }));
          set((s) => ({ cards: s.cards.map((c) => (c.id === card.id ? card : c)) }));
        } else {
          await get().track(studio.invoke('cards.createFromImage', { projectId, index, picture }));
          await get().loadCards(projectId);
          void get().loadProjects();
        }
      }),
    clearPicture: (cardId) =>
      guard(cardId, async () => {
        const card = await get().track(studio.invoke('cards.setImage', { id: cardId, picture: null }));
        set((s) => ({ cards: s.cards.map((c) => (c.id === card.id ? card : c)) }));
      }),
    checkPrompt: async (cardId, prompt) => {
      if (!get().engine?.ready) return;
      try {
        const { unknownWords } = await studio.invoke('prompt.check', { prompt });
        set((s) => ({ unknownWords: { ...s.unknownWords, [cardId]: unknownWords } }));
      } catch {
        /* the hint is a help, not a gate */
      }
    },
    setCardMessage: (cardId, message) =>
      set((s) => {
        const next = { ...s.cardMessages };
        if (message) next[cardId] = message;
        else delete next[cardId];
        return { cardMessages: next };
      }),
    subscribe: () => {
      const offs = [
        studio.on('job.progress', (p) => set((s) => ({ jobs: { ...s.jobs, [p.takeId]: p } }))),
        studio.on('job.preview', (p) => set((s) => ({ previews: { ...s.previews, [p.cardId]: decodePreview(p) } }))),
        studio.on('take.changed', ({ take, reproduced }) => {
          set((s) => {
            const jobs = { ...s.jobs };
            const previews = { ...s.previews };
            if (take.status !== 'pending') {
              delete jobs[take.id];
              if (!Object.values(jobs).some((j) => j.cardId === take.cardId)) delete previews[take.cardId];
            }
            return { jobs, previews, reproduced: reproduced ? { ...s.reproduced, [take.id]: reproduced } : s.reproduced };
          });
          upsertTake(take);
          if (take.status === 'failed') get().setCardMessage(take.cardId, `The take failed: ${take.error ?? 'unknown error'}`);
          // The card's chosen take may have changed (the first ready take is chosen).
          const projectId = get().currentProjectId;
          if (projectId && take.status === 'ready') void get().loadCards(projectId);
        }),
      ];
      return () => offs.forEach((off) => off());
    },
  };
};
