// Measures resident memory per file entry for an opened, analysed image: run as a child so nothing else is resident.
import { LayerStore } from '../../store/store.js';
import { loadStoredImage } from '../../src/open-image.js';
import { ImageModel } from '../../src/model/image-model.js';
import { treeForSelection } from '../../src/view/tree-source.js';
import { flattenTree } from '../../src/view/tree-rows.js';

const [storeDir, imageId] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
// A tick first: WeakRef targets (the model's cached union) live until the current job ends, as in any process.
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc?.();
  }
};
const usage = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.arrayBuffers };
};

await settle();
const cold = usage();
// V8 grows its young generation to a working size (tens of MB) at the first burst of allocation, whatever
// the image's size, and keeps it. A throwaway burst first puts that fixed cost in the baseline, so what is
// left grows with the entries. (It agrees with the slope between two image sizes: see the README.)
let burst: { a: number; b: string }[] = [];
for (let round = 0; round < 8; round++) {
  burst = [];
  for (let i = 0; i < 400_000; i++) burst.push({ a: i, b: String(i) });
}
burst = [];
await settle();
const before = usage();
const store = new LayerStore(storeDir);
const record = store.getImage(imageId)!;
// The analysis itself, not the figures an earlier open left in the store.
const model = new ImageModel({ ...loadStoredImage(record, store), figures: null });
const waste = model.waste();
await settle();
const after = usage();
const entries = model.layers.reduce((n, l) => n + l.count, 0);
// Then as a person browses it: the top layer's aggregated tree, every path a row (union + display tree + rows).
const tree = treeForSelection(model, { historyRow: model.history.length - 1, mode: 'aggregated', rangeStart: null });
const rows = flattenTree(tree, { collapsed: new Set(), hidden: { added: false, modified: false, removed: false, unmodified: false }, filter: null, sort: 'name' });
await settle();
const browsing = usage();
process.stdout.write(
  JSON.stringify({
    entries,
    perEntry: (after.rss - before.rss) / entries,
    rawPerEntry: (after.rss - cold.rss) / entries,
    fixedBytes: before.rss - cold.rss,
    heapPerEntry: (after.heap - before.heap) / entries,
    browsingPerEntry: (browsing.rss - before.rss) / entries,
    browsingHeapPerEntry: (browsing.heap - before.heap) / entries,
    browsingRows: rows.length,
    efficiency: waste.efficiencyScore,
  }),
);
