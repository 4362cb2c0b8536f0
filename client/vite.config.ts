import { defineConfig } from 'vitest/config';

// The server links /static/app.js and /static/app.css by fixed names (cache-busted with
// ?v=HASH), so the build must not hash those two names.
export default defineConfig({
  base: '/static/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    cssCodeSplit: false,
    // The charts bundle ECharts (about 190 kB gzipped); only the analytics page loads them.
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      // The analytics page's charts (with ECharts) are an entry of their own that app.js
      // imports on demand. As a plain lazy chunk they would share the bundler's helpers with
      // app.js by importing "./app.js" itself, which the browser loads a second time (the
      // page asks for app.js?v=...) and the app would start twice; as an entry, the helpers
      // go to a small shared chunk that both import under one URL.
      input: { app: 'src/main.ts', charts: 'src/views/analytics-charts.ts' },
      output: {
        // Every file but app.js and app.css has a content hash in its name: app.js,
        // cache-busted by ?v=, names the current ones.
        entryFileNames: (chunk) => (chunk.name === 'app' ? 'app.js' : '[name]-[hash].js'),
        chunkFileNames: '[name]-[hash].js',
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
