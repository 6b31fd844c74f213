// Bundles the compiled CLI into one file: Node 20 spends ~0.5 s loading Ink's hundreds of modules
// one by one; one bundle starts the UI several times faster. blessed and dockerode stay external
// (loaded lazily, on first use).
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/fathom.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['blessed', 'blessed-contrib', 'dockerode'],
  alias: {
    'react-devtools-core': './scripts/no-devtools.js',
    // wrap-ansi pins string-width 7 (with its own emoji-regex); Ink measures with 8. One copy (8), so
    // wrapping and measuring agree on every width, behind an ASCII fast path that loads it lazily.
    'string-width': './scripts/fast-string-width.js',
  },
  define: { 'process.env.NODE_ENV': '"production"' },
  banner: { js: "import { createRequire as __fathomRequire } from 'node:module'; const require = __fathomRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The layer-indexing worker (store/index-worker.ts), bundled on its own: a worker starts from its own file.
await build({
  entryPoints: ['dist/store/index-worker.js'],
  outfile: 'dist/index-worker.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
