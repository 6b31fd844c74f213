import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { SINGLE_WIDTH } from '../../src/view/single-width.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

/** Every character the fast path's pattern admits, one by one. */
function singleWidthChars(): string[] {
  const out: string[] = [];
  for (let c = 0; c <= 0xffff; c++) {
    const ch = String.fromCharCode(c);
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (SINGLE_WIDTH.test(ch)) out.push(ch);
  }
  return out;
}

describe('display width', () => {
  it('every character the fast path counts as one column is one column to string-width', () => {
    const chars = singleWidthChars();
    expect(chars.length).toBeGreaterThan(95 + 128);
    expect(chars.filter((ch) => stringWidth(ch) !== 1)).toEqual([]);
  });

  it('the bundled string-width shim gives string-width\'s answers, and loads it only for wider strings', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-width-'));
    try {
      // Bundled as scripts/bundle.mjs bundles it, so the lazy `require` is esbuild's.
      await build({
        entryPoints: [path.join(PROJECT_ROOT, 'scripts', 'fast-string-width.js')],
        outfile: path.join(out, 'width.mjs'),
        bundle: true,
        platform: 'node',
        format: 'esm',
        logLevel: 'silent',
      });
      const { default: shim } = (await import(pathToFileURL(path.join(out, 'width.mjs')).href)) as { default: (s: string) => number };
      const samples = [
        '',
        'plain ascii',
        '│   ├── file-37.txt → /bin/busybox',
        '▶ Layers  26 rows · ◆ shared  ↑↓ layer',
        '한국어 파일.txt',
        '😀 emoji.txt',
        'cafe\u0301.txt',
        'ctrl\u0001char\ttab',
        '\u001b[31mred\u001b[39m',
        'Ｆｕｌｌｗｉｄｔｈ',
      ];
      for (const s of samples) expect([s, shim(s)]).toEqual([s, stringWidth(s)]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('wrapping by display width at word boundaries', () => {
  it('loses nothing around Korean, never splits a word that fits a line, and cuts only words wider than a line', async () => {
    const { wrapText, cellWidth } = await import('../../src/view/format.js');
    const text = 'RUN mkdir -p /edge/names && touch dir/한국어 && chown 1000:1000 /edge/chown-only.txt';
    for (const width of [10, 16, 23, 40]) {
      const lines = wrapText(text, width);
      for (const l of lines) expect(cellWidth(l), `${width}: ${JSON.stringify(l)}`).toBeLessThanOrEqual(width);
      expect(lines.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, '')); // nothing lost
      if (width >= 9) expect(lines.some((l) => l.includes('1000:1000'))).toBe(true);
      expect(lines.join('')).toContain('한국어');
    }
    expect(wrapText('aaaaaaaaaaaa', 5)).toEqual(['aaaaa', 'aaaaa', 'aa']);
    expect(wrapText('한국어한국어', 5)).toEqual(['한국', '어한', '국어']);
    expect(wrapText('one\ntwo', 10)).toEqual(['one', 'two']);
  });
});
