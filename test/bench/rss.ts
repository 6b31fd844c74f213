// Measures resident memory per file entry for an opened image: run as a child so nothing else is resident.
import { LayerStore } from '../../store/store.js';
import { loadStoredImage } from '../../src/open-image.js';
import { ImageModel } from '../../src/model/image-model.js';

const [storeDir, imageId] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
const settle = () => {
  for (let i = 0; i < 3; i++) gc?.();
};
settle();
const before = process.memoryUsage().rss;
const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const store = new LayerStore(storeDir);
const record = store.getImage(imageId)!;
const model = new ImageModel(loadStoredImage(record, store));
const waste = model.waste();
settle();
const after = process.memoryUsage().rss;
const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const entries = model.layers.reduce((n, l) => n + l.count, 0);
process.stdout.write(JSON.stringify({ entries, rssBytes: after - before, perEntry: (after - before) / entries, heapPerEntry: (heapAfter - heapBefore) / entries, efficiency: waste.efficiencyScore }));
