// Bundled in place of string-width (see bundle.mjs), for fathom and for Ink alike. Same answers; but a
// string of one-column characters (SINGLE_WIDTH: nearly every row fathom draws) is as wide as it is long,
// and string-width itself, which builds an Intl.Segmenter and Unicode property regexes as it loads, loads
// only when a wider string first needs it (esbuild turns this `require` into a lazy initialiser).
import { SINGLE_WIDTH } from '../dist/src/view/single-width.js';

let stringWidth;

export default function fastStringWidth(string, options) {
  if (typeof string === 'string' && SINGLE_WIDTH.test(string)) return string.length;
  stringWidth ??= require('../node_modules/string-width/index.js').default;
  return stringWidth(string, options);
}
