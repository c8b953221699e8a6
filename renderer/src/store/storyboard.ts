import type { StateCreator } from 'zustand';
import type { Card } from '../../../main/contract';
import { studio } from '../studio';
import type { StudioState } from './index';

export interface StoryboardSlice {
  cards: Card[];
  /** The card whose prompt should take the keyboard focus next (a card just added). */
  focusCardId: string | null;
  focused: () => void;
  loadCards: (projectId: string) => Promise<void>;
  addCard: (index?: number) => Promise<Card | null>;
  setPrompt: (id: string, prompt: string) => void;
  flushPrompt: (id: string) => Promise<void>;
  moveCard: (id: string, toIndex: number) => Promise<void>;
  deleteCard: (id: string) => Promise<void>;
}

// Prompt edits are shown at once and written shortly after typing stops (or on blur).
const PROMPT_SAVE_DELAY_MS = 300;
const promptTimers = new Map<string, ReturnType<typeof setTimeout>>();

export const createStoryboardSlice: StateCreator<StudioState, [], [], StoryboardSlice> = (set, get) => {
  const refreshProjectCount = () => void get().loadProjects();

  const savePrompt = async (id: string) => {
    promptTimers.delete(id);
    const card = get().cards.find((c) => c.id === id);
    if (!card) return;
    try {
      await get().track(studio.invoke('cards.update', { id, prompt: card.prompt }));
    } catch (err) {
      get().fail(err);
    }
  };

  return {
    cards: [],
    focusCardId: null,
    focused: () => set({ focusCardId: null }),
    loadCards: async (projectId) => {
      try {
        const cards = await studio.invoke('cards.list', { projectId });
        if (get().currentProjectId !== projectId) return;
        // Keep what the person is typing: an edit not yet written wins over the stored prompt.
        const local = new Map(get().cards.map((c) => [c.id, c.prompt]));
        set({ cards: cards.map((c) => (promptTimers.has(c.id) ? { ...c, prompt: local.get(c.id) ?? c.prompt } : c)) });
        for (const c of cards) if (!get().takesByCard[c.id]) void get().loadTakes(c.id);
      } catch (err) {
        get().fail(err);
      }
    },
    addCard: async (index) => {
      const projectId = get().currentProjectId;
      if (!projectId) return null;
      try {
        const card = await get().track(studio.invoke('cards.create', { projectId, index }));
        if (get().currentProjectId !== projectId) return card;
        set((s) => {
          const cards = [...s.cards];
          cards.splice(index ?? cards.length, 0, card);
          return { cards: cards.map((c, i) => ({ ...c, position: i })), focusCardId: card.id };
        });
        refreshProjectCount();
        return card;
      } catch (err) {
        get().fail(err);
        return null;
      }
    },
    setPrompt: (id, prompt) => {
      set((s) => ({ cards: s.cards.map((c) => (c.id === id ? { ...c, prompt } : c)) }));
      clearTimeout(promptTimers.get(id));
      set((s) => ({ pendingSaves: s.pendingSaves + (promptTimers.has(id) ? 0 : 1) }));
      promptTimers.set(
        id,
        setTimeout(() => {
          set((s) => ({ pendingSaves: s.pendingSaves - 1 }));
          void savePrompt(id);
        }, PROMPT_SAVE_DELAY_MS),
      );
    },
    flushPrompt: async (id) => {
      if (!promptTimers.has(id)) return;
      clearTimeout(promptTimers.get(id));
      set((s) => ({ pendingSaves: s.pendingSaves - 1 }));
      await savePrompt(id);
    },
    moveCard: async (id, toIndex) => {
      const projectId = get().currentProjectId;
      const cards = [...get().cards];
      const from = cards.findIndex((c) => c.id === id);
      if (!projectId || from < 0) return;
      const to = Math.max(0, Math.min(toIndex, cards.length - 1));
      if (from === to) return;
      const [moved] = cards.splice(from, 1);
      cards.splice(to, 0, moved!);
      const before = get().cards.map((c) => c.id);
      set({ cards }); // show the move at once; the reply below is the truth
      try {
        await get().track(studio.invoke('cards.reorder', { projectId, order: cards.map((c) => c.id) }));
        await get().loadCards(projectId);
        get().pushUndo({
          label: 'Move card',
          undo: async () => {
            await studio.invoke('cards.reorder', { projectId, order: before });
            await get().loadCards(projectId);
          },
        });
      } catch (err) {
        get().fail(err);
        await get().loadCards(projectId);
      }
    },
    deleteCard: async (id) => {
      const projectId = get().currentProjectId;
      if (!projectId) return;
      await get().flushPrompt(id);
      try {
        await get().track(studio.invoke('cards.delete', { id }));
        set((s) => ({ cards: s.cards.filter((c) => c.id !== id) }));
        refreshProjectCount();
        get().pushUndo({
          label: 'Delete card',
          undo: async () => {
            await studio.invoke('cards.restore', { id });
            await get().loadCards(projectId);
            refreshProjectCount();
          },
        });
      } catch (err) {
        get().fail(err);
      }
    },
  };
};
