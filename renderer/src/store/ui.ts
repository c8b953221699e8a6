import type { StateCreator } from 'zustand';
import type { StudioState } from './index';

export interface UndoEntry {
  label: string;
  undo: () => Promise<void>;
}

export interface UiSlice {
  /** The message of the last thing that went wrong, shown until dismissed. */
  error: string | null;
  /** Saving state of edits in flight, shown in the top bar. */
  pendingSaves: number;
  undoStack: UndoEntry[];
  fail: (err: unknown) => void;
  dismissError: () => void;
  /** Runs a save, counting it as in flight so the bar can say "Saving…". */
  track: <T>(p: Promise<T>) => Promise<T>;
  pushUndo: (entry: UndoEntry) => void;
  undo: () => Promise<void>;
}

export const createUiSlice: StateCreator<StudioState, [], [], UiSlice> = (set, get) => ({
  error: null,
  pendingSaves: 0,
  undoStack: [],
  fail: (err) => set({ error: err instanceof Error ? err.message : String(err) }),
  dismissError: () => set({ error: null }),
  track: async (p) => {
    set((s) => ({ pendingSaves: s.pendingSaves + 1 }));
    try {
      return await p;
    } finally {
      set((s) => ({ pendingSaves: s.pendingSaves - 1 }));
    }
  },
  pushUndo: (entry) => set((s) => ({ undoStack: [...s.undoStack.slice(-49), entry] })),
  undo: async () => {
    const entry = get().undoStack.at(-1);
    if (!entry) return;
    set((s) => ({ undoStack: s.undoStack.slice(0, -1) }));
    try {
      await entry.undo();
    } catch (err) {
      get().fail(err);
    }
  },
});
