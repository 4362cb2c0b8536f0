import { defineConfig } from 'vitest/config';

// The server links /static/app.js and /static/app.css by fixed names (cache-busted with
// ?v=HASH), so the build must not hash file names.
export default defineConfig({
  base: '/static/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    cssCodeSplit: false,
    rollupOptions: {
      input: { app: 'src/main.ts' },
      output: {
        entryFileNames: 'app.js',
        chunkFileNames: '[name].js',
        assetFileNames: (asset) =>
          asset.names.some((n) => n.endsWith('.css')) ? 'app.css' : '[name][extname]',
      },
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
