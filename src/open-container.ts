import type { ImageRecord, LayerStore } from '../store/store.js';
import type { LayerIndex } from '../store/layer-index.js';
import { ImageModel } from './model/image-model.js';
import type { Engine, EngineKind } from './sources/engine/connection.js';
import { inspectContainer } from './sources/engine/containers.js';
import { writableLayerTar } from './sources/engine/writable-layer.js';

/**
 * An image with one more layer on top: a container's writable layer. Its history gets one row for it
 * (after blank rows for layers the image's history does not describe, so each row still names its
 * layer); its record is this view's only, never stored.
 */
export function withWritableLayer(image: ImageModel, layer: { diffId: string; blobDigest: string; tarBytes: number; index: LayerIndex }, label: string, takenAt: Date): ImageModel {
  const rec = image.record;
  const history = [...(rec.config.history ?? [])];
  let described = history.filter((h) => h.empty_layer !== true).length;
  for (; described < rec.layers.length; described++) history.push({ created_by: '' });
  history.push({ created: takenAt.toISOString(), created_by: label });
  const record: ImageRecord = {
    ...rec,
    repoTags: [label],
    config: { ...rec.config, history, rootfs: { type: 'layers', diff_ids: [...rec.layers.map((l) => l.diffId), layer.diffId] } },
    layers: [...rec.layers, { diffId: layer.diffId, digest: layer.blobDigest, mediaType: 'application/vnd.docker.image.rootfs.diff.tar', compressedBytes: layer.tarBytes }],
  };
  delete record.configJson; // the config is no longer the image's own bytes
  delete record.analysis;
  return new ImageModel({ record, layers: [...image.layers, layer.index], transient: true });
}

/**
 * A container as a layered image: its image's layers from the store (opened from the engine if need
 * be), then its writable layer as it is now, gathered through the Engine API and indexed as a layer.
 */
export async function openContainer(engine: Engine, kind: EngineKind, nameOrId: string, store: LayerStore, openImageModel: (source: string) => Promise<ImageModel>): Promise<ImageModel> {
  const info = await inspectContainer(engine, nameOrId);
  const name = info.name;
  const [image, writable] = await Promise.all([openImageModel(`${kind}://${info.image}`), writableLayerTar(engine, info.id)]);
  const meta = await store.ingestLayer({ diffId: null, accept: () => true, blobDigest: null, where: `container ${name}: writable layer`, open: async () => [writable.tar] });
  const time = writable.takenAt.toISOString().slice(11, 19);
  return withWritableLayer(image, { diffId: meta.diffId, blobDigest: meta.blobDigest, tarBytes: meta.tarBytes, index: store.loadIndex(meta.diffId) }, `container ${name} (writable layer, ${writable.changes} changes as of ${time} UTC)`, writable.takenAt);
}
