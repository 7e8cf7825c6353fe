import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The gateway serves dist/ at /; the API is on the same origin, so the dev server proxies it.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Everything ships as files under dist/assets: no inline data URLs to widen the CSP for.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/graphql': { target: process.env.REVIVE_GATEWAY_URL ?? 'http://127.0.0.1:4000', ws: true },
      '/objects': { target: process.env.REVIVE_GATEWAY_URL ?? 'http://127.0.0.1:4000' },
    },
  },
});
