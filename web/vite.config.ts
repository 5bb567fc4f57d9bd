import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by Steward under /dashboard/; the API contract is shared as source (house-style 4.2: a path alias).
export default defineConfig({
  base: '/dashboard/',
  plugins: [react()],
  resolve: {
    alias: { '@steward/contract': decodeURIComponent(new URL('../src/contract', import.meta.url).pathname) },
  },
  build: { outDir: 'dist', emptyOutDir: true },
  // `npm run dev -w web` next to a Steward on its default port.
  server: { proxy: { '/v1': 'http://127.0.0.1:9322' } },
});
