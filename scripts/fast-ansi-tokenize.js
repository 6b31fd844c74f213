// Bundled in place of @alcalzone/ansi-tokenize (see bundle.mjs); Ink runs its tokenize over every line
// of every frame. The real one walks a line grapheme by grapheme with an Intl.Segmenter it builds as it
// loads (a process's first Segmenter loads ICU's break rules: ~8 ms of start-up). A line of SGR colour
// codes and one-column characters (SINGLE_WIDTH_CHAR: nearly every line fathom draws) has one grapheme
// per UTF-16 unit, so it is tokenized here unit by unit, to the same tokens. Any other line goes to the
// real tokenize, loaded on first need. (test/unit/bundle-stand-ins.test.ts holds each to the package's
// answers.) Its two functions that turn tokens into styled characters and back are here too (below), and
// the rest of the package is passed through as it is.
import { ansiCodesToString, getEndCode } from '../node_modules/@alcalzone/ansi-tokenize/build/ansiCodes.js';
import { diffAnsiCodes } from '../node_modules/@alcalzone/ansi-tokenize/build/diff.js';
import { reduceAnsiCodesIncremental } from '../node_modules/@alcalzone/ansi-tokenize/build/reduce.js';
import { SINGLE_WIDTH_CHAR } from '../dist/src/view/single-width.js';

export { ansiCodesToString } from '../node_modules/@alcalzone/ansi-tokenize/build/ansiCodes.js';
export { diffAnsiCodes } from '../node_modules/@alcalzone/ansi-tokenize/build/diff.js';
export { reduceAnsiCodes, reduceAnsiCodesIncremental } from '../node_modules/@alcalzone/ansi-tokenize/build/reduce.js';
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

// Ink turns every row of every frame back into a string with styledCharsToString, and the package's
// own diffs the styles of each character against the one before it: three Sets and three arrays a
// character, ~5,000 characters a frame, even where nothing changes (nearly everywhere). Here a character
// styled as the one before it adds nothing, which is what that diff gives for equal styles; any other
// pair is diffed by the package, as before. And a run of characters with one style shares one styles
// array (nothing in Ink or the package changes one in place), so the comparison mostly sees the same array.

/**
 * The package's styledCharsFromTokens, with one styles array for each run of one style: the package's
 * reduceAnsiCodesIncremental returns a new array each time and never changes the one it is given.
 */
export function styledCharsFromTokens(tokens) {
  let codes = [];
  const ret = [];
  for (const token of tokens) {
    if (token.type === 'ansi') codes = reduceAnsiCodesIncremental(codes, [token]);
    else if (token.type === 'char') ret.push({ ...token, styles: codes });
  }
  return ret;
}

/** The package's styledCharsToString, without diffing a character's styles against equal ones. */
export function styledCharsToString(chars) {
  let ret = '';
  for (let i = 0; i < chars.length; i++) {
    const styles = chars[i].styles;
    if (i === 0) ret += ansiCodesToString(styles);
    else if (!sameCodes(chars[i - 1].styles, styles)) ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, styles));
    ret += chars[i].value;
  }
  // Styles still open at the end are reset (the package's diff to no styles).
  const last = chars.length > 0 ? chars[chars.length - 1].styles : null;
  if (last !== null && last.length > 0) ret += ansiCodesToString(diffAnsiCodes(last, []));
  return ret;
}

/** The same codes in the same order: from one to the other there is nothing to undo or add. */
function sameCodes(a, b) {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].code !== b[i].code || a[i].endCode !== b[i].endCode) return false;
  return true;
}
