import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is built to static files that both hosts serve (file:// in Electron, the
// browser host over loopback): relative asset paths, no dev server in production.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true, sourcemap: true, target: 'chrome120' },
});
