import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The dashboard's build: web/ → dist/web (served by `batchyard serve` at `/`).
 * Assets get content hashes in their names (served immutable); index.html is the
 * only file that changes name-stably. `npx vite --config web/vite.config.ts` runs a
 * dev server that proxies the API to a `batchyard serve` on port 8080.
 */
export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
