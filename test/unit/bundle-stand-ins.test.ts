import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import fc from 'fast-check';
import { tokenize } from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

type Tokenize = typeof tokenize;
type SliceAnsi = typeof sliceAnsi;

/**
 * The bundle's stand-ins for Ink's dependencies (scripts/), bundled as scripts/bundle.mjs bundles them
 * (so their lazy `require`s are esbuild's), held to the answers of the packages they stand in for.
 */
let out: string;
const RealSegmenter = Intl.Segmenter;
const segmentersBuilt = { count: 0 };
let fast: { tokenize: Tokenize; sliceAnsi: SliceAnsi };

beforeAll(async () => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-stand-ins-'));
  const entry = path.join(out, 'entry.js');
  fs.writeFileSync(
    entry,
    `export { tokenize } from ${JSON.stringify(path.join(PROJECT_ROOT, 'scripts', 'fast-ansi-tokenize.js'))};\n` +
      `export { default as sliceAnsi } from ${JSON.stringify(path.join(PROJECT_ROOT, 'scripts', 'lazy-slice-ansi.js'))};\n`,
  );
  await build({ entryPoints: [entry], outfile: path.join(out, 'stand-ins.mjs'), bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' });
  // Counts the Segmenters built from here on (the packages imported above have built theirs): the
  // stand-ins exist so that drawing fathom's rows builds none.
  Intl.Segmenter = class extends RealSegmenter {
    constructor(...args: ConstructorParameters<typeof RealSegmenter>) {
      super(...args);
      segmentersBuilt.count++;
    }
  } as typeof RealSegmenter;
  fast = (await import(pathToFileURL(path.join(out, 'stand-ins.mjs')).href)) as typeof fast;
});

afterAll(() => {
  Intl.Segmenter = RealSegmenter;
  fs.rmSync(out, { recursive: true, force: true });
});

// What a line of an Ink frame is made of: one-column characters, colour codes, and now and then
// something the fast path must leave to the real tokenizer.
const ONE_COLUMN = [...'abc XYZ 019 ~!|/.-_', '│', '├', '└', '─', '▶', '↑', '↓', '…', '●', '◆', '◇', '⊕', '·', '█', '░', '▌'];
const SGR = ['\x1b[0m', '\x1b[m', '\x1b[1m', '\x1b[22m', '\x1b[31m', '\x1b[39m', '\x1b[7m', '\x1b[1;31m', '\x1b[38;5;208m', '\x1b[48;5;17m', '\x1b[38;2;10;20;30m', '\x1b[1;38;2;1;2;3;4m', '\x1b[38;5m', '\x1b[38;2;1;2m', '\x1b[48;2;1m', '\x1b[90;49m'];
const OTHER = ['한', '😀', 'e\u0301', '\u200d', 'Ｆ', '\t', '\x1b]8;;https://example.com\x07', '\x9b31m', '\x1b[31', '\x1b[?25h', '\u00ad', '🇩🇪', '\ufe0f'];

const piece = (others: boolean) => fc.constantFrom(...ONE_COLUMN, ...SGR, ...(others ? OTHER : []));
const line = (others: boolean) => fc.array(piece(others), { maxLength: 40 }).map((parts) => parts.join(''));
const endChar = fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.nat({ max: 45 }));

/** The fast tokenizer and the real one give the same tokens, on lines with or without other characters. */
function tokenizesAsTheRealOne(others: boolean): void {
  fc.assert(
    fc.property(line(others), endChar, (text, end) => {
      expect(fast.tokenize(text, end)).toEqual(tokenize(text, end));
    }),
    { numRuns: 2000 },
  );
}

describe('the bundle\'s stand-ins for Ink\'s dependencies', () => {
  it('the fast tokenizer gives the real one\'s tokens for lines of one-column characters and colour codes', () => {
    tokenizesAsTheRealOne(false);
  });

  it('loading the stand-ins and tokenizing such lines builds no Intl.Segmenter (neither the real tokenizer nor slice-ansi has loaded)', () => {
    // After the property above: every line it tried took the fast path.
    expect(segmentersBuilt.count).toBe(0);
  });

  it('any other line goes to the real tokenizer, with the same answers', () => {
    tokenizesAsTheRealOne(true);
  });

  it('slice-ansi, loaded on first call, slices as slice-ansi does', () => {
    const samples = ['\x1b[31m│   ├── file.txt\x1b[39m', 'plain text', '한국어 파일 😀 x', '\x1b]8;;https://e.com\x07link\x1b]8;;\x07 after'];
    for (const s of samples) for (const [a, b] of [[0, 3], [2, 9], [1, 40]]) expect(fast.sliceAnsi(s, a, b)).toBe(sliceAnsi(s, a, b));
  });
});
