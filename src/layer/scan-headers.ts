import fs from 'node:fs';
import { FathomError } from '../errors.js';
import { LayerIndexBuilder } from '../../store/layer-index.js';
import { TarStreamParser } from '../tar/stream-parser.js';
import { LayerWritePaths } from './write-through.js';
import { sniffCompression } from './compression.js';
import { visitEntry } from './index-layer.js';
import { RegionList, SkeletonHash, type ScannedLayer } from './scanned-layout.js';
import { EntryKind } from '../model/entry.js';

/** How much is read at a time: a window of headers and the small files between them. */
const WINDOW_BYTES = 64 << 10;

/**
 * A plain layer tar in a local file, indexed from its headers alone: content is seeked past, never read,
 * and nothing is hashed, so a first look at a big image costs what `tar -t` does. The index it gives is
 * the one the layer's full read gives (the same parser and the same entry rules), but unverified and
 * without content digests: those are taken from the file when a comparison first needs one. Null for a
 * compressed layer (its headers can't be reached without inflating it).
 */
export function scanLayerHeaders(file: string, offset: number, size: number, where: string): ScannedLayer | null {
  const fd = fs.openSync(file, 'r');
  try {
    const window = Buffer.allocUnsafe(WINDOW_BYTES);
    const first = fs.readSync(fd, window, 0, Math.min(4, size), offset);
    if (first < 4 || sniffCompression(window.subarray(0, first)) !== 'none') return null;
    const builder = new LayerIndexBuilder();
    const placement = new LayerWritePaths(where);
    const regions = new RegionList();
    const parser = new TarStreamParser((header, contentOffset) => {
      const before = builder.size;
      visitEntry(builder, placement, header, contentOffset, where, 'none');
      const entry = builder.size > before && builder.kindOf(before) === EntryKind.file ? before : -1;
      if (header.size > 0) regions.add(contentOffset, header.size, entry);
      return null;
    }, where);
    const skeleton = new SkeletonHash(regions);
    let pos = 0;
    while (pos < size && !parser.ended) {
      pos += parser.skipUnread();
      if (pos >= size) break;
      const got = fs.readSync(fd, window, 0, Math.min(WINDOW_BYTES, size - pos), offset + pos);
      if (got === 0) throw new FathomError(`${where}: the layer ends at byte ${pos} of ${size}`);
      parser.push(window.subarray(0, got));
      // After the push: every region that starts in this window is known (its header came first).
      skeleton.take(window.subarray(0, got), pos);
      pos += got;
    }
    if (pos > size) throw new FathomError(`${where}: truncated tar stream (an entry runs past the layer's end)`);
    parser.end();
    const index = builder.build(size, { digestsPending: true });
    const layout = regions.layout(skeleton.end, skeleton.digest(), index.count);
    index.contentReader = (at, length) => {
      const bytes = Buffer.allocUnsafe(length);
      const reader = fs.openSync(file, 'r');
      try {
        return bytes.subarray(0, fs.readSync(reader, bytes, 0, length, offset + at));
      } finally {
        fs.closeSync(reader);
      }
    };
    return { index, layout };
  } finally {
    fs.closeSync(fd);
  }
}
