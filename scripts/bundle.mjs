// Bundles the compiled CLI into one file: Node 20 spends ~0.5 s loading Ink's hundreds of modules
// one by one; one bundle starts the UI several times faster. blessed and dockerode stay external
// (loaded lazily, on first use; dockerode from a bundle of its own, dist/dockerode.cjs).
//
// The bundle is CommonJS: bin/fathom.js compiles it through vm.Script, which lets V8 reuse the code it
// compiled on an earlier run (Node 20 has no compile cache for ES modules). Two dependencies are
// written for ES modules only, so the bundle stands in for them (each stand-in says why):
//   yoga-layout instantiates its WebAssembly with a top-level await → scripts/yoga-deferred.js;
//   Ink's reconciler awaits its devtools only when DEV=true → that branch is dropped (inkWithoutDevtools).
// Others are stood in for, or patched, for speed: what Ink runs over every character of every frame
// (scripts/fast-*.js, lazy-slice-ansi.js, inkSharedBlankCell), each held to the package's answers by
// test/unit/bundle-stand-ins.test.ts.
import { build } from 'esbuild';
import { inkSharedBlankCell, inkWithoutDevtools, patchSource } from './source-patches.mjs';

// The compiled layout-engine module waits for nothing; in the bundle it waits for the deferred yoga.
const deferredLayoutEngine = {
  name: 'deferred-layout-engine',
  setup(b) {
    b.onLoad({ filter: /dist[\\/]src[\\/]view[\\/]layout-engine\.js$/ }, () => ({
      contents: "export { layoutEngineReady } from './scripts/yoga-deferred.js';",
      resolveDir: process.cwd(),
      loader: 'js',
    }));
  },
};

/** How the CLI is bundled, for the CLI and for anything that must run the same code (the UI bench). */
const product = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['blessed', 'blessed-contrib', 'dockerode'],
  plugins: [inkWithoutDevtools, inkSharedBlankCell, deferredLayoutEngine],
  alias: {
    'react-devtools-core': './scripts/no-devtools.js',
    // wrap-ansi pins string-width 7 (with its own emoji-regex); Ink measures with 8. One copy (8), so
    // wrapping and measuring agree on every width, behind an ASCII fast path that loads it lazily.
    'string-width': './scripts/fast-string-width.js',
    'yoga-layout': './scripts/yoga-deferred.js',
    'slice-ansi': './scripts/lazy-slice-ansi.js',
    '@alcalzone/ansi-tokenize': './scripts/fast-ansi-tokenize.js',
  },
  define: { 'process.env.NODE_ENV': '"production"', 'import.meta.url': '__fathomBundleUrl' },
  // What the modules knew as import.meta.url: the bundle's own file (the worker and demo files sit beside it).
  banner: { js: 'var __fathomBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
};

if (process.argv.includes('--ui-bench')) {
  // `npm run bench` only: the in-process UI bench (test/bench/ui-bench-main.ts), bundled as the CLI is.
  await build({ ...product, entryPoints: ['dist/test/bench/ui-bench-main.js'], outfile: 'dist/ui-bench.cjs' });
} else {
  await build({ ...product, entryPoints: ['dist/src/cli/main.js'], outfile: 'dist/fathom.cjs' });

  // The engine client, bundled on its own (archives never load it): required file by file, dockerode
  // costs ~90 ms before its first request, half of it in two parts an engine source never uses unless
  // asked: ssh2 (ssh:// hosts only) and the gRPC session of BuildKit builds. Both load on first use.
  await build({
    entryPoints: ['scripts/dockerode-entry.cjs'],
    outfile: 'dist/dockerode.cjs',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // ssh2's optional native parts stay outside: it falls back to JavaScript when they are missing.
    external: ['*.node', 'cpu-features'],
    plugins: [
      patchSource('lazy-ssh', /docker-modem[\\/]lib[\\/]modem\.js$/, [["ssh = require('./ssh'),", "ssh = function () { return require('./ssh').apply(this, arguments); },"]]),
      patchSource('lazy-session', /dockerode[\\/]lib[\\/]docker\.js$/, [["withSession = require('./session'),", "withSession = function () { return require('./session').apply(this, arguments); },"]]),
    ],
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
}
