import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import tar from 'tar-stream';
import { indexLayerStream } from '../../src/layer/index-layer.js';
import type { LayerIndex } from '../../store/layer-index.js';
import { ImageModel } from '../../src/model/image-model.js';

/** One tar entry for a test layer, in tar-stream's terms. */
export type TestEntry =
  | { file: string; content?: string; mode?: number; uid?: number; gid?: number }
  | { dir: string; mode?: number; uid?: number; gid?: number }
  | { symlink: string; target: string }
  | { hardlink: string; target: string }
  | { whiteout: string }
  | { opaque: string };

export async function layerTar(entries: TestEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', resolve));
  const mtime = new Date('2024-01-01T00:00:00Z');
  for (const e of entries) {
    if ('file' in e) pack.entry({ name: e.file, mode: e.mode ?? 0o644, uid: e.uid ?? 0, gid: e.gid ?? 0, mtime }, e.content ?? '');
    else if ('dir' in e) pack.entry({ name: e.dir, type: 'directory', mode: e.mode ?? 0o755, uid: e.uid ?? 0, gid: e.gid ?? 0, mtime });
    else if ('symlink' in e) pack.entry({ name: e.symlink, type: 'symlink', linkname: e.target, mode: 0o777, mtime });
    else if ('hardlink' in e) pack.entry({ name: e.hardlink, type: 'link', linkname: e.target, mode: 0o644, mtime });
    else if ('whiteout' in e) {
      const slash = e.whiteout.lastIndexOf('/');
      pack.entry({ name: `${e.whiteout.slice(0, slash + 1)}.wh.${e.whiteout.slice(slash + 1)}`, mode: 0o600, mtime }, '');
    } else pack.entry({ name: `${e.opaque}/.wh..wh..opq`, mode: 0o755, mtime }, '');
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function indexOf(entries: TestEntry[]): Promise<LayerIndex> {
  const tarBytes = await layerTar(entries);
  const { index } = await indexLayerStream(Readable.from([tarBytes]), { where: 'test layer' });
  return index;
}

export function sha256(buf: Buffer): string {
  return `sha256:${createHash('sha256').update(buf).digest('hex')}`;
}

/** An ImageModel over hand-made layers, as if opened from the store. */
export async function modelOf(layers: TestEntry[][]): Promise<ImageModel> {
  const indexes = await Promise.all(layers.map(indexOf));
  const diffIds = indexes.map((_, i) => `sha256:${String(i).padStart(64, '0')}`);
  return new ImageModel({
    record: {
      id: `sha256:${'f'.repeat(64)}`,
      repoTags: ['test:latest'],
      manifestDigest: null,
      sources: ['test'],
      config: { rootfs: { type: 'layers', diff_ids: diffIds }, history: layers.map((_, i) => ({ created_by: `layer ${i}` })) },
      layers: diffIds.map((d) => ({ diffId: d, digest: d, mediaType: 'application/vnd.oci.image.layer.v1.tar', compressedBytes: 0 })),
      storedAt: new Date(0).toISOString(),
    },
    layers: indexes,
  });
}

/** A tar of plain files, as tar-stream writes it (mode 0644, mtime 0). */
export async function tarOfFiles(entries: { name: string; body: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) pack.entry({ name: e.name, mode: 0o644, mtime: new Date(0) }, e.body);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A `docker save` archive (legacy layout) of these layer tars, one history row a layer, tagged `tag`. */
export async function dockerSaveOf(layers: Buffer[], tag: string, history: string[], config: Record<string, unknown> = {}): Promise<Buffer> {
  const configBytes = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: layers.map(sha256) }, history: history.map((h) => ({ created_by: h })) }));
  const names = layers.map((_, i) => `l${i}/layer.tar`);
  return tarOfFiles([
    ...layers.map((l, i) => ({ name: names[i], body: l })),
    { name: 'config.json', body: configBytes },
    { name: 'manifest.json', body: Buffer.from(JSON.stringify([{ Config: 'config.json', RepoTags: [tag], Layers: names }])) },
  ]);
}
