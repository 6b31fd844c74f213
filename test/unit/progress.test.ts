import { describe, expect, it } from 'vitest';
import { progressLine, type IngestProgress } from '../../src/sources/types.js';
import { openBeforeFirstFrame } from '../../src/view/pending-open.js';
import { engineReadLine, engineReadTag } from '../../src/view/format.js';
import type { AppIo } from '../../src/view/app-io.js';
import type { ImageModel } from '../../src/model/image-model.js';

describe('progress while an image opens', () => {
  it('says what it waits for, and for how long, before anything arrives', () => {
    const p: IngestProgress = { layersDone: 0, layersTotal: 4, bytesDone: 0, bytesTotal: 1e9, waitingFor: "the docker engine's export" };
    expect(progressLine(p, 7.6)).toBe("waiting for the docker engine's export to start… 7s");
    expect(progressLine({ ...p, waitingFor: undefined, bytesDone: 5e8, layersDone: 2 }, 2)).toBe('layers 2/4   500MB of 1GB   250MB/s');
  });

  it('counts the rate from the first byte, not over the wait before it', () => {
    // 6 s of the engine preparing its export, then 300 MB in the last 0.75 s: 400 MB/s, not 44 MB/s.
    const p: IngestProgress = { layersDone: 0, layersTotal: 4, bytesDone: 3e8, bytesTotal: 1e9, flowingSeconds: 0.75 };
    expect(progressLine(p, 6.75)).toBe('layers 0/4   300MB of 1GB   400MB/s');
  });

  it('what an open said before the Loading screen listened is told to it when it does', async () => {
    let finish: (m: ImageModel) => void = () => {};
    const io = {
      openImage: (_s: string, onProgress: (p: IngestProgress) => void) => {
        onProgress({ layersDone: 0, layersTotal: 1, bytesDone: 0, bytesTotal: 10, waitingFor: 'the engine' });
        return new Promise<ImageModel>((r) => (finish = r));
      },
    } as unknown as AppIo;
    const pending = await openBeforeFirstFrame(io, 'docker://x', 5);
    const heard: IngestProgress[] = [];
    pending.onProgress((p) => heard.push(p));
    expect(heard).toEqual([{ layersDone: 0, layersTotal: 1, bytesDone: 0, bytesTotal: 10, waitingFor: 'the engine' }]);
    finish({} as ImageModel);
    await pending.promise;
  });

  it('the first frame waits longer for a first look that is being made, and no longer once it will not come', async () => {
    // An open that is told to say, at 10 ms, whether a first look is coming, and to bring one at 150 ms.
    const fake = (coming: boolean[], previewAtMs: number | null): AppIo =>
      ({
        openImage: (_s: string, _p: unknown, onPreview: (m: ImageModel) => void, onFirstLook: (c: boolean) => void) => {
          coming.forEach((c, k) => setTimeout(() => onFirstLook(c), 10 + 20 * k));
          if (previewAtMs !== null) setTimeout(() => onPreview({ preview: true } as unknown as ImageModel), previewAtMs);
          return new Promise<ImageModel>(() => {});
        },
      }) as unknown as AppIo;
    const timed = async (io: AppIo) => {
      const started = Date.now();
      const pending = await openBeforeFirstFrame(io, 'x.tar', 60, 400);
      return { ms: Date.now() - started, preview: pending.preview };
    };
    // Said to be coming: the wait outlasts its 60 ms for it, and ends when it comes.
    const awaited = await timed(fake([true], 150));
    expect(awaited.preview).not.toBeNull();
    expect(awaited.ms).toBeGreaterThanOrEqual(140);
    expect(awaited.ms).toBeLessThan(390);
    // Said to be coming, then not: the wait ends at its 60 ms after all.
    const withdrawn = await timed(fake([true, false], 150));
    expect(withdrawn.preview).toBeNull();
    expect(withdrawn.ms).toBeLessThan(140);
    // Coming, but later than the longer wait: the wait ends at 400 ms without it.
    const late = await timed(fake([true], 1000));
    expect(late.preview).toBeNull();
    expect(late.ms).toBeGreaterThanOrEqual(390);
    expect(late.ms).toBeLessThan(900);
    // Nothing said: the short wait, even with a first look on its way.
    const unsaid = await timed(fake([], 150));
    expect(unsaid.preview).toBeNull();
    expect(unsaid.ms).toBeLessThan(140);
  });

  it('the header and details say how an engine image was read', () => {
    expect(engineReadTag({ via: 'store', from: "docker's layer store at /var/lib/docker" })).toBe('  [engine store]');
    expect(engineReadTag({ via: 'export', why: null })).toBe('  [export]');
    expect(engineReadTag({ via: 'none' })).toBe('');
    expect(engineReadTag(null)).toBe('');
    expect(engineReadLine({ via: 'export', why: 'the engine is not on this host' })).toBe("read: through the engine's export, because the engine is not on this host");
  });
});
