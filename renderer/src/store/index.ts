/**
 * One zustand store made of typed slices (zustand's slices pattern). State owned by the services
 * is mirrored here; every change goes through `window.studio` first and the store keeps what the
 * services answered, so a reload shows the same state.
 */
import { create } from 'zustand';
import { createProjectsSlice, type ProjectsSlice } from './projects';
import { createStoryboardSlice, type StoryboardSlice } from './storyboard';
import { createTakesSlice, type TakesSlice } from './takes';
import { createUiSlice, type UiSlice } from './ui';

export type StudioState = ProjectsSlice & StoryboardSlice & TakesSlice & UiSlice;

export const useStudio = create<StudioState>()((...a) => ({
  ...createProjectsSlice(...a),
  ...createStoryboardSlice(...a),
  ...createTakesSlice(...a),
  ...createUiSlice(...a),
}));
