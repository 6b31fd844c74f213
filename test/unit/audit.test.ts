import { describe, expect, it } from 'vitest';
import { auditImages, type AuditedImage } from '../../src/analysis/audit.js';
import { indexOf, type TestEntry } from '../helpers/layers.js';

const X = 'the same 31 bytes in two places\n';

async function image(name: string, layers: { diffId: string; entries: TestEntry[] }[]): Promise<AuditedImage> {
  return {
    name,
    id: `id-${name}`,
    layers: await Promise.all(layers.map(async (l) => ({ diffId: l.diffId, compressedBytes: 10, command: `make ${l.diffId}`, index: await indexOf(l.entries) }))),
    efficiencyScore: 1,
    wastedBytes: 0,
  };
}

describe('audit of several images', () => {
  it('counts a shared layer once, says what sharing saves, and finds files a shared base would hold once', async () => {
    const base = { diffId: 'base', entries: [{ file: 'etc/os', content: 'debian-ish base\n' }] as TestEntry[] };
    const a = await image('a', [base, { diffId: 'a1', entries: [{ file: 'app/lib.so', content: X }, { file: 'app/a-only', content: 'a\n' }] }]);
    const b = await image('b', [base, { diffId: 'b1', entries: [{ file: 'opt/lib.so', content: X }] }]);
    // c holds X twice in its own layers: that is c's own waste (dive's), not a cross-image duplicate.
    const c = await image('c', [{ diffId: 'c1', entries: [{ file: 'x1', content: 'c twice\n' }] }, { diffId: 'c2', entries: [{ file: 'x2', content: 'c twice\n' }] }]);
    const r = auditImages([a, b, c]);
    const baseSize = 16;
    expect(r.totals).toMatchObject({ images: 3, layerRefs: 6, distinctLayers: 5, sharingSavesBytes: baseSize, crossImageDuplicateBytes: X.length });
    expect(r.totals.sizeBytesUnshared - r.totals.sizeBytesStored).toBe(baseSize);
    expect(r.sharedLayers).toEqual([{ diffId: 'base', sizeBytes: baseSize, compressedBytes: 10, images: ['a', 'b'], savesBytes: baseSize }]);
    expect(r.largestUniqueLayers.map((l) => l.diffId)).toEqual(['a1', 'b1', 'c1', 'c2']);
    expect(r.crossImageDuplicates).toEqual({ groups: 1, extraBytes: X.length, shown: [{ sizeBytes: X.length, layers: 2, places: ['a: /app/lib.so', 'b: /opt/lib.so'], extraBytes: X.length }] });
    expect(r.images.map((i) => [i.name, i.uniqueBytes])).toEqual([
      ['a', X.length + 2],
      ['b', X.length],
      ['c', 16],
    ]);
  });

  it('two tags of one image (the same layers) share everything and duplicate nothing across images', async () => {
    const layers = [{ diffId: 'l0', entries: [{ file: 'f', content: 'same\n' }, { file: 'g', content: 'same\n' }] as TestEntry[] }];
    const r = auditImages([await image('x:1', layers), await image('x:latest', layers)]);
    expect(r.crossImageDuplicates.groups).toBe(0);
    expect(r.sharedLayers[0].images).toEqual(['x:1', 'x:latest']);
  });
});
