// Bundled in place of @alcalzone/ansi-tokenize (see bundle.mjs); Ink runs its tokenize over every line
// of every frame. The real one walks a line grapheme by grapheme with an Intl.Segmenter it builds as it
// loads (a process's first Segmenter loads ICU's break rules: ~8 ms of start-up). A line of SGR colour
// codes and one-column characters (SINGLE_WIDTH_CHAR: nearly every line fathom draws) has one grapheme
// per UTF-16 unit, so it is tokenized here unit by unit, to the same tokens. Any other line goes to the
// real tokenize, loaded on first need. (test/unit/fast-ansi-tokenize.test.ts holds the two to the same
// answers.) The rest of the package is passed through as it is.
import { getEndCode } from '../node_modules/@alcalzone/ansi-tokenize/build/ansiCodes.js';
import { SINGLE_WIDTH_CHAR } from '../dist/src/view/single-width.js';

export { ansiCodesToString } from '../node_modules/@alcalzone/ansi-tokenize/build/ansiCodes.js';
export { diffAnsiCodes } from '../node_modules/@alcalzone/ansi-tokenize/build/diff.js';
export { reduceAnsiCodes, reduceAnsiCodesIncremental } from '../node_modules/@alcalzone/ansi-tokenize/build/reduce.js';
export { styledCharsFromTokens, styledCharsToString } from '../node_modules/@alcalzone/ansi-tokenize/build/styledChars.js';
export { undoAnsiCodes } from '../node_modules/@alcalzone/ansi-tokenize/build/undo.js';

const SGR = '\\x1b\\[[0-9;]*m';
const PLAIN_LINE = new RegExp(`^(?:${SGR}|${SINGLE_WIDTH_CHAR})*$`);
const ESC = 0x1b;

let realTokenize;

export function tokenize(line, endChar = Number.POSITIVE_INFINITY) {
  if (!PLAIN_LINE.test(line)) {
    realTokenize ??= require('../node_modules/@alcalzone/ansi-tokenize/build/tokenize.js').tokenize;
    return realTokenize(line, endChar);
  }
  const tokens = [];
  let visible = 0;
  let i = 0;
  while (i < line.length) {
    if (line.charCodeAt(i) === ESC) {
      const end = line.indexOf('m', i) + 1; // PLAIN_LINE: an ESC starts a whole "\x1b[…m"
      for (const code of sgrParts(line.slice(i, end))) tokens.push({ type: 'ansi', code, endCode: getEndCode(code) });
      i = end;
      continue;
    }
    tokens.push({ type: 'char', value: line[i], fullWidth: false });
    i++;
    if (++visible >= endChar) break;
  }
  return tokens;
}

/** "\x1b[1;38;5;9m" → "\x1b[1m", "\x1b[38;5;9m": one token per attribute, a 256-colour or RGB colour kept whole. */
function sgrParts(sequence) {
  if (!sequence.includes(';')) return [sequence];
  const params = sequence.slice(2, -1).split(';');
  const parts = [];
  for (let i = 0; i < params.length; i++) {
    const extended = params[i] === '38' || params[i] === '48';
    // A colour's own numbers follow it: "5;N" (256 colours) or "2;R;G;B", when all of them are there.
    const span = !extended ? 1 : params[i + 1] === '5' && i + 2 < params.length ? 3 : params[i + 1] === '2' && i + 4 < params.length ? 5 : 1;
    parts.push(`\x1b[${params.slice(i, i + span).join(';')}m`);
    i += span - 1;
  }
  return parts;
}
