import { describe, expect, it } from 'vitest';
import { modelOf } from '../helpers/layers.js';
import { evaluateRules, DIVE_DEFAULT_RULES, ciPassed } from '../../src/analysis/ci-rules.js';
import { parseBytes } from '../../src/format.js';

describe('dive-compatible efficiency', () => {
  it('a file deleted in a later layer is still shipped and counted as waste', async () => {
    const big = 'x'.repeat(1000);
    const m = await modelOf([[{ file: 'base', content: 'b' }], [{ file: 'big.bin', content: big }], [{ whiteout: 'big.bin' }]]);
    const w = m.waste();
    // cum(/big.bin) = 1000 + 0 (a whiteout of a file weighs 0), min = 0, count = 2
    expect(w.wastedBytes).toBe(1000);
    expect(w.reclaimableBytes).toBe(1000);
    expect(w.efficiencyScore).toBeCloseTo(1 / 1001, 10);
    expect(w.userWastedPercent).toBeCloseTo(1000 / 1000, 10);
    expect(w.inefficiencies).toEqual([{ path: '/big.bin', count: 2, sizeBytes: 1000, reclaimableBytes: 1000 }]);
    expect(m.layerSummaries[1].shadowedBytes).toBe(1000);
    expect(m.waste().removedByWhiteoutBytes).toBe(1000);
  });

  it('dive misses a deleted directory (its lower copy is not a leaf); fathom still counts it', async () => {
    const m = await modelOf([
      [{ dir: 'd' }, { file: 'd/a', content: 'aaaa' }, { dir: 'd/s' }, { file: 'd/s/b', content: 'bb' }],
      [{ whiteout: 'd' }],
    ]);
    const w = m.waste();
    // dive: /d is seen once (the whiteout, weighing the 6 bytes it removes); the score stays 1.
    expect(w.inefficiencies).toEqual([]);
    expect(w.efficiencyScore).toBe(1);
    // fathom: 6 bytes shipped in layer 0 and hidden by layer 1.
    expect(w.removedByWhiteoutBytes).toBe(6);
    expect(m.layerSummaries[0].shadowedBytes).toBe(6);
  });

  it('a whiteout of a directory weighs everything beneath it when paired with a leaf', async () => {
    const m = await modelOf([[{ dir: 'd' }, { file: 'd/a', content: 'aaaa' }], [{ dir: 'd' }], [{ whiteout: 'd' }]]);
    // Layer 1's /d is a leaf (size 0); layer 2's whiteout weighs d/a's 4 bytes.
    const d = m.waste().inefficiencies.find((i) => i.path === '/d');
    expect(d).toEqual({ path: '/d', count: 2, sizeBytes: 4, reclaimableBytes: 4 });
  });

  it('an overwritten file counts both copies as wasted but only the extra as reclaimable', async () => {
    const m = await modelOf([[{ file: 'f', content: '12345' }], [{ file: 'f', content: '123' }]]);
    const w = m.waste();
    expect(w.wastedBytes).toBe(8);
    expect(w.reclaimableBytes).toBe(5);
  });

  it('a hard link is a name of content, not a copy: it never lowers what must stay (reclaimable)', async () => {
    const pkg = 'x'.repeat(82);
    const m = await modelOf([
      [{ dir: 'app' }, { file: 'app/package.json', content: pkg }],
      [{ file: 'app/package.json', content: pkg }],
      [{ file: 'app/other.json', content: pkg }, { hardlink: 'app/package.json', target: 'app/other.json' }],
    ]);
    const w = m.waste();
    const row = w.inefficiencies.find((i) => i.path === '/app/package.json')!;
    // dive's figures: three entries, 164 B in all (the link weighs 0); one 82 B copy must stay.
    expect(row).toMatchObject({ count: 3, sizeBytes: 164, reclaimableBytes: 82 });
    expect(w.wastedBytes).toBe(164);
  });

  it('opaque markers are not paths of their own, as in dive', async () => {
    const m = await modelOf([[{ dir: 'd' }, { file: 'd/x', content: 'xyz' }], [{ dir: 'd' }, { opaque: 'd' }, { file: 'd/y', content: 'y' }]]);
    const w = m.waste();
    expect(w.inefficiencies.map((i) => i.path)).toEqual([]);
    expect(w.removedByOpaqueBytes).toBe(3);
  });

  it('an empty image scores 1', async () => {
    const m = await modelOf([[{ dir: 'empty' }]]);
    expect(m.waste().efficiencyScore).toBe(1);
  });

  it('identical content at different paths is reported', async () => {
    const m = await modelOf([[{ file: 'a', content: 'same bytes' }], [{ file: 'b', content: 'same bytes' }]]);
    expect(m.waste().duplicateContent).toEqual([{ sizeBytes: 10, pathCount: 2, paths: ['/a', '/b'], extraBytes: 10 }]);
  });

  it('lists the 100 largest duplicate groups, counts them all, and a path seen in two layers is one path', async () => {
    // 150 groups: group g holds g+1 bytes at /x/g and /y/g; /x/0 is also rewritten, unchanged, in layer 1.
    const group = (g: number) => 'z'.repeat(g + 1) + String.fromCharCode(65 + (g % 26));
    const files = (dir: string) => Array.from({ length: 150 }, (_, g) => ({ file: `${dir}/${g}`, content: group(g) }));
    const m = await modelOf([[...files('x'), ...files('y')], [{ file: 'x/0', content: group(0) }]]);
    const w = m.waste();
    expect(w.duplicateContentGroups).toBe(150);
    expect(w.duplicateContentBytes).toBe(Array.from({ length: 150 }, (_, g) => g + 2).reduce((a, b) => a + b, 0));
    expect(w.duplicateContent).toHaveLength(100);
    expect(w.duplicateContent[0]).toEqual({ sizeBytes: 151, pathCount: 2, paths: ['/x/149', '/y/149'], extraBytes: 151 });
    expect(w.duplicateContent.at(-1)!.sizeBytes).toBe(52);
    expect(w.duplicateContent.every((d) => d.pathCount === 2)).toBe(true);
  });
});

describe('dive CI rules', () => {
  const analysis = { efficiencyScore: 0.85, wastedBytes: 30_000_000, userWastedPercent: 0.05, reclaimableBytes: 0, inefficiencies: [] };
  it('fails below the lowest efficiency and passes the rest', () => {
    const results = evaluateRules(DIVE_DEFAULT_RULES, analysis);
    expect(results.map((r) => `${r.rule}:${r.status}`)).toEqual(['highestUserWastedPercent:PASS', 'highestWastedBytes:SKIP', 'lowestEfficiency:FAIL']);
    expect(ciPassed(results)).toBe(false);
  });
  it('reads sizes as dive does', () => {
    expect(parseBytes('20MB')).toBe(20_000_000);
    expect(parseBytes('20MiB')).toBe(20 * 1024 * 1024);
    expect(parseBytes('512')).toBe(512);
    expect(parseBytes('1.5 GB')).toBe(1_500_000_000);
    expect(parseBytes('lots')).toBeNull();
    const r = evaluateRules({ lowestEfficiency: 'disabled', highestWastedBytes: '20MB', highestUserWastedPercent: 'disabled' }, analysis);
    expect(r.find((x) => x.rule === 'highestWastedBytes')!.status).toBe('FAIL');
  });
});

describe('percentages that never contradict the bytes beside them', () => {
  it('an efficiency short of 100 % is never shown as 100.0 %, a waste above 0 never as 0.0 %', async () => {
    const { percent } = await import('../../src/format.js');
    expect(percent(0.999998, 1)).toBe('99.9998 %');
    expect(percent(1, 1)).toBe('100.0 %');
    expect(percent(0.90476, 1)).toBe('90.5 %');
    expect(percent(0.0000001, 1)).toBe('0.00001 %');
    expect(percent(0, 1)).toBe('0.0 %');
  });
});

describe('the CI gate takes ratios, as dive does', () => {
  it('--lowestEfficiency 90 is refused with the ratio it likely meant, not accepted and failed forever', async () => {
    const { evaluateRules, DIVE_DEFAULT_RULES } = await import('../../src/analysis/ci-rules.js');
    const analysis = { efficiencyScore: 0.95, wastedBytes: 0, userWastedPercent: 0, reclaimableBytes: 0, inefficiencies: [] };
    expect(() => evaluateRules({ ...DIVE_DEFAULT_RULES, lowestEfficiency: '90' }, analysis)).toThrow('lowestEfficiency: "90" is not a ratio between 0 and 1 (or "disabled") (a ratio, as dive takes it: 0.9 for 90 %)');
    expect(() => evaluateRules({ ...DIVE_DEFAULT_RULES, highestUserWastedPercent: '-0.1' }, analysis)).toThrow(/not a ratio between 0 and 1/);
    expect(evaluateRules({ ...DIVE_DEFAULT_RULES, lowestEfficiency: '0.9' }, analysis).find((r) => r.rule === 'lowestEfficiency')!.status).toBe('PASS');
  });
});
