import type { StateCreator } from 'zustand';
import type { Project } from '../../../main/contract';
import { studio } from '../studio';
import type { StudioState } from './index';

export interface ProjectsSlice {
  projects: Project[];
  currentProjectId: string | null;
  loadProjects: () => Promise<void>;
  createProject: (name: string) => Promise<Project | null>;
  renameProject: (id: string, name: string) => Promise<void>;
  deleteProject: (id: string) => Promise<void>;
  openProject: (id: string | null) => Promise<void>;
}

/** The open project lives in the URL, so a reload comes back to it. */
function rememberProject(id: string | null): void {
  const url = new URL(location.href);
  if (id) url.hash = `project=${id}`;
  else url.hash = '';
  history.replaceState(null, '', url);
}

export function projectInUrl(): string | null {
  const m = /project=([A-Za-z0-9_-]+)/.exec(location.hash);
  return m ? m[1]! : null;
}

export const createProjectsSlice: StateCreator<StudioState, [], [], ProjectsSlice> = (set, get) => ({
  projects: [],
  currentProjectId: null,
  loadProjects: async () => {
    try {
      set({ projects: await studio.invoke('projects.list', {}) });
    } catch (err) {
      get().fail(err);
    }
  },
  createProject: async (name) => {
    try {
      const p = await get().track(studio.invoke('projects.create', { name }));
      set((s) => ({ projects: [p, ...s.projects] }));
      await get().openProject(p.id);
      return p;
    } catch (err) {
      get().fail(err);
      return null;
    }
  },
  renameProject: async (id, name) => {
    try {
      const p = await get().track(studio.invoke('projects.rename', { id, name }));
      set((s) => ({ projects: s.projects.map((x) => (x.id === id ? p : x)) }));
    } catch (err) {
      get().fail(err);
    }
  },
  deleteProject: async (id) => {
    try {
      await get().track(studio.invoke('projects.delete', { id }));
      set((s) => ({ projects: s.projects.filter((x) => x.id !== id) }));
      if (get().currentProjectId === id) await get().openProject(null);
    } catch (err) {
      get().fail(err);
    }
  },
  openProject: async (id) => {
    set({ currentProjectId: id, cards: [], undoStack: [] });
    rememberProject(id);
    if (id) await get().loadCards(id);
  },
});
