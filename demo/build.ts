import { createHash } from 'node:crypto';
import tar from 'tar-stream';
import type { ImageConfigJson, ImageRecord, LayerStore } from '../store/store.js';
import { DEMO_IMAGES, demoImage, type DemoEntry, type DemoImage, type DemoRow } from './images.js';

/** Every demo file and layer carries this time, so the bytes (and digests) never change. */
export const DEMO_TIME = new Date('2024-01-01T00:00:00Z');
const CREATED = DEMO_TIME.toISOString();

/** Deterministic pseudo-random bytes (xorshift32): incompressible like real binaries, the same every run. */
export function seededBytes(seed: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  for (; i < size; i++) out[i] = (x >>> ((i % 4) * 8)) & 0xff;
  return out;
}

function whiteoutName(path: string, marker: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}${marker}${marker === '.wh.' ? path.slice(slash + 1) : ''}`;
}

/** One layer tar from demo entries (tar-stream writes it; fathom reads it back like any other layer). */
export async function demoLayerTar(entries: readonly DemoEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  const common = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: DEMO_TIME };
  for (const e of entries) {
    if ('file' in e) {
      const body = e.text !== undefined ? Buffer.from(e.text) : seededBytes(e.seed ?? 0, e.size ?? 0);
      pack.entry({ ...common, name: e.file, mode: e.mode ?? 0o644 }, body);
    } else if ('dir' in e) pack.entry({ ...common, name: `${e.dir}/`, type: 'directory', mode: e.mode ?? 0o755 });
    else if ('symlink' in e) pack.entry({ ...common, name: e.symlink, type: 'symlink', linkname: e.target, mode: 0o777 });
    else if ('whiteout' in e) pack.entry({ ...common, name: whiteoutName(e.whiteout, '.wh.'), mode: 0o600 }, '');
    else pack.entry({ ...common, name: `${e.opaque}/.wh..wh..opq`, mode: 0o755, mtime: new Date(0) }, '');
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The image's rows with its FROM chain's rows first. */
export function allRows(image: DemoImage): DemoRow[] {
  return [...(image.from ? allRows(demoImage(image.from)) : []), ...image.rows];
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Builds one demo image into the store (layers it already has are skipped) and returns its record. */
export async function buildDemoImage(store: LayerStore, image: DemoImage, layerCache = new Map<string, Buffer>()): Promise<ImageRecord> {
  const rows = allRows(image);
  const diffIds: string[] = [];
  for (const row of rows) {
    if ('empty' in row) continue;
    const key = JSON.stringify(row.entries);
    let bytes = layerCache.get(key);
    if (!bytes) {
      bytes = await demoLayerTar(row.entries);
      layerCache.set(key, bytes);
    }
    const diffId = sha256(bytes);
    diffIds.push(diffId);
    if (!store.hasLayer(diffId)) {
      const blob = bytes;
      await store.ingestLayer({ diffId, blobDigest: diffId, where: `demo image ${image.name}: layer ${diffIds.length - 1}`, open: async () => (async function* () {
        yield blob;
      })(),
      });
    }
  }
  const config: ImageConfigJson = {
    architecture: 'amd64',
    os: 'linux',
    created: CREATED,
    config: { Env: ['PATH=/bin:/usr/bin'], ...image.config },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: rows.map((r) => ({ created: CREATED, created_by: r.createdBy, ...('empty' in r ? { empty_layer: true } : {}) })),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  return store.saveImage({
    id: sha256(configBytes),
    repoTags: [image.name],
    manifestDigest: null,
    sources: [`demo://${image.name}`],
    config,
    configJson: configBytes.toString('utf8'),
    layers: diffIds.map((d) => {
      const meta = store.readLayerMeta(d);
      return { diffId: d, digest: meta.blobDigest, mediaType: 'application/vnd.oci.image.layer.v1.tar', compressedBytes: meta.blobBytes };
    }),
    storedAt: new Date().toISOString(), // when it was stored (the config keeps the fixed date: digests stay the same)
  });
}

/** Builds every demo image (a second run finds everything stored and only rewrites the records). */
export async function buildDemoImages(store: LayerStore): Promise<Map<string, ImageRecord>> {
  const cache = new Map<string, Buffer>();
  const out = new Map<string, ImageRecord>();
  for (const image of DEMO_IMAGES) out.set(image.name, await buildDemoImage(store, image, cache));
  return out;
}
