// Bundled in place of slice-ansi (see bundle.mjs), for Ink and cli-truncate alike. slice-ansi builds an
// Intl.Segmenter as it loads, and the first Segmenter of a process loads ICU's break rules (~8 ms of
// start-up); Ink calls slice-ansi only to clip text wider than its box. So it loads on first call
// (esbuild turns this `require` into a lazy initialiser).
let sliceAnsi;

export default function lazySliceAnsi(string, start, end) {
  sliceAnsi ??= require('../node_modules/slice-ansi/index.js').default;
  return sliceAnsi(string, start, end);
}
