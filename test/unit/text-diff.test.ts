import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineEdits, unifiedDiff } from '../../src/view/text-diff.js';
import { configDifferences } from '../../src/analysis/config-diff.js';

function lcs(a: string[], b: string[]): number {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) t[i][j] = a[i - 1] === b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
  return t[a.length][b.length];
}

describe('line diffs', () => {
  it('the edits turn A into B and are as few as can be (against a longest-common-subsequence table)', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const edits = lineEdits(a, b)!;
        expect(edits.filter((e) => e.mark !== '+').map((e) => e.text)).toEqual(a);
        expect(edits.filter((e) => e.mark !== '-').map((e) => e.text)).toEqual(b);
        expect(edits.filter((e) => e.mark !== ' ').length).toBe(a.length + b.length - 2 * lcs(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it('hunks as diff -u writes them', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'];
    const b = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11'];
    // As GNU diff -u prints it: the two changes are 5 lines apart, so one hunk.
    expect(unifiedDiff(a, b)!.map((l) => (l.mark === '@' ? l.text : `${l.mark}${l.text}`))).toEqual(['@@ -2,9 +2,10 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ' 9', ' 10', '+11']);
    const far = [...a, 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'end'];
    const farB = [...a.slice(0, 1), 'changed', ...a.slice(2), 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'END'];
    expect(unifiedDiff(far, farB)!.filter((l) => l.mark === '@').map((l) => l.text)).toEqual(['@@ -1,5 +1,5 @@', '@@ -15,4 +15,4 @@']);
    expect(unifiedDiff(['x'], ['x'])).toEqual([]);
    // One-line and empty ranges, as GNU diff -u prints them.
    expect(unifiedDiff(['a'], ['b'])!.map((l) => l.text)).toEqual(['@@ -1 +1 @@', 'a', 'b']);
    expect(unifiedDiff([], ['new'])![0].text).toBe('@@ -0,0 +1 @@');
  });
});

describe('image configs side by side', () => {
  it('each setting, each variable, port and label, marked where they differ', () => {
    const rows = configDifferences(
      { os: 'linux', architecture: 'amd64', config: { Entrypoint: ['/bin/sh', '-c'], Cmd: ['run'], Env: ['PATH=/bin', 'A=1'], ExposedPorts: { '80/tcp': {} }, Labels: { v: '1' } } },
      { os: 'linux', architecture: 'amd64', config: { Entrypoint: ['/bin/sh', '-c'], Cmd: ['serve'], Env: ['PATH=/bin', 'B=2'], User: 'app', Labels: { v: '2' } } },
    );
    const differing = rows.filter((r) => !r.same).map((r) => `${r.field}: ${r.a} | ${r.b}`);
    expect(differing).toEqual(['Cmd: ["run"] | ["serve"]', 'User:  | app', 'Env A: 1 | ', 'Env B:  | 2', 'ExposedPort 80/tcp: yes | ', 'Label v: 1 | 2']);
    expect(rows.find((r) => r.field === 'Env PATH')).toEqual({ field: 'Env PATH', a: '/bin', b: '/bin', same: true });
  });
});
