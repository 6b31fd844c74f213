import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import fc from 'fast-check';
import { styledCharsFromTokens, styledCharsToString, tokenize } from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/fixtures.js';
// @ts-expect-error: a build script, plain JavaScript
import { inkSharedBlankCell } from '../../scripts/source-patches.mjs';

type Tokenize = typeof tokenize;
type StyledChars = ReturnType<typeof styledCharsFromTokens>;
type SliceAnsi = typeof sliceAnsi;

/**
 * The bundle's stand-ins for Ink's dependencies (scripts/), bundled as scripts/bundle.mjs bundles them
 * (so their lazy `require`s are esbuild's), held to the answers of the packages they stand in for.
 */
let out: string;
/** Ink's Output as the bundle has it (with inkSharedBlankCell) and as the package ships it. */
type InkOutput = new (o: { width: number; height: number }) => {
  write(x: number, y: number, text: string, o: { transformers: ((line: string, index: number) => string)[] }): void;
  clip(c: { x1?: number; x2?: number; y1?: number; y2?: number }): void;
  unclip(): void;
  get(): { output: string; height: number };
};
let outputs: { patched: InkOutput; shipped: InkOutput };
const RealSegmenter = Intl.Segmenter;
const segmentersBuilt = { count: 0 };
let fast: { tokenize: Tokenize; sliceAnsi: SliceAnsi; styledCharsFromTokens: typeof styledCharsFromTokens; styledCharsToString: typeof styledCharsToString };

beforeAll(async () => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-stand-ins-'));
  const entry = path.join(out, 'entry.js');
  fs.writeFileSync(
    entry,
    `export { tokenize, styledCharsFromTokens, styledCharsToString } from ${JSON.stringify(path.join(PROJECT_ROOT, 'scripts', 'fast-ansi-tokenize.js'))};\n` +
      `export { default as sliceAnsi } from ${JSON.stringify(path.join(PROJECT_ROOT, 'scripts', 'lazy-slice-ansi.js'))};\n`,
  );
  await build({ entryPoints: [entry], outfile: path.join(out, 'stand-ins.mjs'), bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' });
  // Ink's Output bundled with the bundle's edit and without it (the packages it loads build their Segmenters here).
  const inkOutput = path.join(PROJECT_ROOT, 'node_modules', 'ink', 'build', 'output.js');
  fs.writeFileSync(path.join(out, 'output-entry.js'), `export { default } from ${JSON.stringify(inkOutput)};\n`);
  for (const [name, plugins] of [['patched', [inkSharedBlankCell]], ['shipped', []]] as const) {
    await build({ entryPoints: [path.join(out, 'output-entry.js')], outfile: path.join(out, `output-${name}.mjs`), bundle: true, platform: 'node', format: 'esm', plugins: [...plugins], logLevel: 'silent' });
  }
  outputs = {
    patched: ((await import(pathToFileURL(path.join(out, 'output-patched.mjs')).href)) as { default: InkOutput }).default,
    shipped: ((await import(pathToFileURL(path.join(out, 'output-shipped.mjs')).href)) as { default: InkOutput }).default,
  };  // Counts the Segmenters built from here on (the packages imported above have built theirs): the
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

  it('styled characters are made from tokens as the package makes them', () => {
    fc.assert(
      fc.property(line(true), (text) => {
        expect(fast.styledCharsFromTokens(tokenize(text))).toEqual(styledCharsFromTokens(tokenize(text)));
      }),
      { numRuns: 2000 },
    );
  });

  it('a row of styled characters becomes the package\'s string, whoever made its characters', () => {
    // Ink's rows: characters from several lines side by side (each line's styles made on their own),
    // blank cells between them, the same style in arrays shared or not, and styles left open at the end.
    const segment = fc.tuple(line(true), fc.boolean(), fc.nat({ max: 3 }));
    const blank = (): StyledChars[number] => ({ type: 'char', value: ' ', fullWidth: false, styles: [] });
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
        const row: StyledChars = [];
        for (const [text, byPackage, blanks] of segments) {
          row.push(...(byPackage ? styledCharsFromTokens(tokenize(text)) : fast.styledCharsFromTokens(tokenize(text))));
          for (let k = 0; k < blanks; k++) row.push(blank());
        }
        expect(fast.styledCharsToString(row)).toBe(styledCharsToString(row));
      }),
      { numRuns: 3000 },
    );
  });

  it('Ink\'s Output with one shared blank cell draws the frames the package\'s draws', () => {
    // Writes of styled lines anywhere (some past the edges, some over others), inside clips or not.
    const op = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), x: fc.integer({ min: -3, max: 30 }), y: fc.integer({ min: -2, max: 9 }), lines: fc.array(line(true), { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('clip' as const), x1: fc.nat({ max: 20 }), x2: fc.nat({ max: 30 }), y1: fc.nat({ max: 5 }), y2: fc.nat({ max: 9 }) }),
      fc.constant({ kind: 'unclip' as const }),
    );
    const draw = (Output: InkOutput, ops: readonly Op[]) => {
      const o = new Output({ width: 28, height: 8 });
      let clips = 0;
      for (const step of ops) {
        if (step.kind === 'write') o.write(step.x, step.y, step.lines.join('\n'), { transformers: [] });
        else if (step.kind === 'clip') {
          o.clip({ x1: step.x1, x2: step.x2, y1: step.y1, y2: step.y2 });
          clips++;
        } else if (clips > 0) {
          o.unclip();
          clips--;
        }
      }
      return o.get();
    };
    type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        expect(draw(outputs.patched, ops)).toEqual(draw(outputs.shipped, ops));
      }),
      { numRuns: 1500 },
    );
  });

  it('slice-ansi, loaded on first call, slices as slice-ansi does', () => {
    const samples = ['\x1b[31m│   ├── file.txt\x1b[39m', 'plain text', '한국어 파일 😀 x', '\x1b]8;;https://e.com\x07link\x1b]8;;\x07 after'];
    for (const s of samples) for (const [a, b] of [[0, 3], [2, 9], [1, 40]]) expect(fast.sliceAnsi(s, a, b)).toBe(sliceAnsi(s, a, b));
  });
});
