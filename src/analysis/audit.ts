import { EntryKind } from '../model/entry.js';
import { CONTENT_HASH_BYTES, HEAD_BYTES, type LayerIndex } from '../../store/layer-index.js';

/** One image of an audit, as the audit needs it: its layers (indexes loaded) and its own waste figures. */
export interface AuditedImage {
  name: string;
  id: string;
  layers: { diffId: string; compressedBytes: number; command: string; index: LayerIndex }[];
  efficiencyScore: number;
  wastedBytes: number;
}

export interface SharedLayer {
  diffId: string;
  sizeBytes: number;
  compressedBytes: number;
  /** The images that use it (names), sorted. */
  images: string[];
  /** What keeping it once saves, against every image holding its own copy: (users - 1) x size. */
  savesBytes: number;
}

export interface UniqueLayer {
  diffId: string;
  sizeBytes: number;
  compressedBytes: number;
  image: string;
  command: string;
}

/** Identical content in layers of different images: a base layer they could share would hold it once. */
export interface CrossImageDuplicate {
  sizeBytes: number;
  /** Distinct layers holding it. */
  layers: number;
  /** Where, one path per layer: "image: /path" (up to DUPLICATE_PLACES_SHOWN). */
  places: string[];
  /** (layers - 1) x size. */
  extraBytes: number;
}

export interface AuditReport {
  images: { name: string; id: string; sizeBytes: number; layers: number; efficiencyScore: number; wastedBytes: number; uniqueBytes: number }[];
  totals: {
    images: number;
    /** Layers as the images list them, and distinct ones (by diff ID). */
    layerRefs: number;
    distinctLayers: number;
    /** Every image's size added up (as if nothing were shared), and what the distinct layers hold. */
    sizeBytesUnshared: number;
    sizeBytesStored: number;
    /** The difference: what sharing layers saves already. */
    sharingSavesBytes: number;
    compressedBytesStored: number;
    wastedBytes: number;
    /** What shared base layers would save on top: identical files in layers of different images. */
    crossImageDuplicateBytes: number;
  };
  sharedLayers: SharedLayer[];
  largestUniqueLayers: UniqueLayer[];
  crossImageDuplicates: { groups: number; extraBytes: number; shown: CrossImageDuplicate[] };
}

const SHOWN = 20;
const DUPLICATE_PLACES_SHOWN = 8;

/**
 * The set-wide figures of an audit: layers shared between images and what that saves, the largest layers
 * only one image uses, and files stored identically in layers of different images. Each distinct layer is
 * looked at once, however many images use it. Pure: indexes in, figures out.
 */
export function auditImages(images: readonly AuditedImage[]): AuditReport {
  interface LayerUse {
    diffId: string;
    index: LayerIndex;
    compressedBytes: number;
    command: string;
    users: Set<string>;
  }
  const layers = new Map<string, LayerUse>();
  for (const image of images) {
    for (const l of image.layers) {
      let use = layers.get(l.diffId);
      if (!use) layers.set(l.diffId, (use = { diffId: l.diffId, index: l.index, compressedBytes: l.compressedBytes, command: l.command, users: new Set() }));
      use.users.add(image.name);
    }
  }
  const size = (u: LayerUse) => u.index.stats.dockerSizeBytes;
  const distinct = [...layers.values()];
  const sizeBytesUnshared = images.reduce((n, i) => n + i.layers.reduce((m, l) => m + l.index.stats.dockerSizeBytes, 0), 0);
  const sizeBytesStored = distinct.reduce((n, u) => n + size(u), 0);
  const shared = distinct
    .filter((u) => u.users.size > 1)
    .map((u) => ({ diffId: u.diffId, sizeBytes: size(u), compressedBytes: u.compressedBytes, images: [...u.users].sort(), savesBytes: (u.users.size - 1) * size(u) }))
    .sort((a, b) => b.savesBytes - a.savesBytes || a.diffId.localeCompare(b.diffId));
  const unique = distinct
    .filter((u) => u.users.size === 1)
    .map((u) => ({ diffId: u.diffId, sizeBytes: size(u), compressedBytes: u.compressedBytes, image: [...u.users][0], command: u.command }))
    .sort((a, b) => b.sizeBytes - a.sizeBytes || a.diffId.localeCompare(b.diffId));
  const duplicates = crossImageDuplicates(distinct);
  return {
    images: images.map((i) => ({
      name: i.name,
      id: i.id,
      sizeBytes: i.layers.reduce((n, l) => n + l.index.stats.dockerSizeBytes, 0),
      layers: i.layers.length,
      efficiencyScore: i.efficiencyScore,
      wastedBytes: i.wastedBytes,
      // What removing this image alone would free: its layers no other image uses.
      uniqueBytes: [...new Set(i.layers.map((l) => l.diffId))].reduce((n, d) => n + (layers.get(d)!.users.size === 1 ? size(layers.get(d)!) : 0), 0),
    })),
    totals: {
      images: images.length,
      layerRefs: images.reduce((n, i) => n + i.layers.length, 0),
      distinctLayers: distinct.length,
      sizeBytesUnshared,
      sizeBytesStored,
      sharingSavesBytes: sizeBytesUnshared - sizeBytesStored,
      compressedBytesStored: distinct.reduce((n, u) => n + u.compressedBytes, 0),
      wastedBytes: images.reduce((n, i) => n + i.wastedBytes, 0),
      crossImageDuplicateBytes: duplicates.extraBytes,
    },
    sharedLayers: shared.slice(0, SHOWN),
    largestUniqueLayers: unique.slice(0, SHOWN),
    crossImageDuplicates: duplicates,
  };
}

/**
 * Regular files with the same content in two or more distinct layers, two of which no single image uses
 * together (identical content within one image's layers is that image's own waste, which its efficiency
 * already counts). Only sizes seen in two layers are compared by digest.
 */
function crossImageDuplicates(layers: readonly { index: LayerIndex; users: Set<string> }[]): AuditReport['crossImageDuplicates'] {
  const sizeLayers = new Map<number, number>();
  for (const { index } of layers) {
    const seen = new Set<number>();
    for (let i = 0; i < index.count; i++) {
      const s = index.sizes[i];
      if (index.kinds[i] !== EntryKind.file || s === 0 || seen.has(s)) continue;
      seen.add(s);
      sizeLayers.set(s, (sizeLayers.get(s) ?? 0) + 1);
    }
  }
  interface Group {
    size: number;
    /** layer number -> the first entry in it */
    places: Map<number, number>;
  }
  const groups = new Map<string, Group>();
  for (const [n, { index }] of layers.entries()) {
    for (let i = 0; i < index.count; i++) {
      const s = index.sizes[i];
      if (index.kinds[i] !== EntryKind.file || s === 0 || (sizeLayers.get(s) ?? 0) < 2) continue;
      const key = `${s}:${index.hashes.toString('hex', i * CONTENT_HASH_BYTES, (i + 1) * CONTENT_HASH_BYTES)}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { size: s, places: new Map() }));
      if (!g.places.has(n)) g.places.set(n, i);
    }
  }
  // Big files agree so far on their size and first HEAD_BYTES: their whole digests settle it.
  for (const [key, g] of [...groups]) {
    if (g.size <= HEAD_BYTES || g.places.size < 2) continue;
    groups.delete(key);
    for (const [n, i] of g.places) {
      const whole = layers[n].index.fullDigest(i);
      const split = `${key}:${whole ? whole.toString('hex') : `unknown ${n}`}`;
      let part = groups.get(split);
      if (!part) groups.set(split, (part = { size: g.size, places: new Map() }));
      part.places.set(n, i);
    }
  }
  const found: CrossImageDuplicate[] = [];
  let extraBytes = 0;
  for (const g of groups.values()) {
    if (g.places.size < 2) continue;
    // Two of its layers no one image uses together: held twice across images, not within one.
    const holders = [...g.places.keys()].map((n) => layers[n].users);
    if (!holders.some((a, i) => holders.slice(i + 1).some((b) => ![...a].some((u) => b.has(u))))) continue;
    const extra = (g.places.size - 1) * g.size;
    extraBytes += extra;
    const places = [...g.places].map(([n, i]) => `${[...layers[n].users].sort()[0]}: /${layers[n].index.paths[i]}`).sort();
    found.push({ sizeBytes: g.size, layers: g.places.size, places: places.slice(0, DUPLICATE_PLACES_SHOWN), extraBytes: extra });
  }
  found.sort((a, b) => b.extraBytes - a.extraBytes || a.places[0].localeCompare(b.places[0]));
  return { groups: found.length, extraBytes, shown: found.slice(0, SHOWN) };
}
