import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `vite --config web/vite.config.ts` (dev) proxies the API to a running `masksearch serve`.
const api = process.env.MASKSEARCH_API ?? 'http://localhost:4000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: { proxy: { '/graphql': api, '/masks': api, '/images': api } },
});
