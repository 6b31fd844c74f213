import fs from 'node:fs';
import path from 'node:path';
import type { ImageConfigJson } from '../../../store/store.js';
import type { TarSplitLayer } from '../../layer/tar-split.js';
import { onThisHost, type Engine, type EngineKind } from './connection.js';
import { checkConfigShape, configText, diffIdsOf } from '../image-config.js';
import { sha256Digest } from '../verify.js';
import { answerTo, engineInfoAnswer } from './engine-answers.js';

/** An image as the engine's own layer store holds it: its config, verified by the image ID, and where each layer is. */
export interface EngineStoreImage {
  /** "docker's layer store at /var/lib/docker". */
  label: string;
  config: ImageConfigJson;
  configJson?: string;
  layers: (TarSplitLayer & { diffId: string; /** about how big the layer is (for progress and worker choice) */ bytes: number; /** its tar-split record's size */ recordBytes: number })[];
}

/** Why the engine's layer store can't be read here: the open falls back to the export and says this. */
export class EngineStoreUnreadable extends Error {}

function hexOf(digest: string): string {
  return digest.startsWith('sha256:') ? digest.slice(7) : digest;
}

/** Reads a small metadata file, or says in one line why not (the reason becomes the fallback's). */
function readMeta(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new EngineStoreUnreadable(`${file} is not readable (${code}: reading the engine's store needs root or read access to its data root)`);
    if (code === 'ENOENT') throw new EngineStoreUnreadable(`${file} does not exist (the engine's data root is not on this host, or the image was just removed)`);
    throw new EngineStoreUnreadable(`cannot read ${file} (${code ?? (e as Error).message})`);
  }
}

function readable(file: string): void {
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (e) {
    throw new EngineStoreUnreadable(`${file} is not readable (${(e as NodeJS.ErrnoException).code})`);
  }
}

/** A readable tar-split record's size (about how many files the layer holds), or why it can't be read. */
function recordBytes(tarSplit: string): number {
  readable(tarSplit);
  return fs.statSync(tarSplit).size;
}

/** The image config, checked against the image ID (its sha256): a config that does not match is no answer at all. */
function verifiedConfig(bytes: Buffer, imageId: string, file: string): { config: ImageConfigJson; configJson?: string } {
  const digest = sha256Digest(bytes);
  if (digest !== imageId) throw new EngineStoreUnreadable(`${file} hashes to ${digest}, not to the image ID ${imageId}`);
  try {
    const config = JSON.parse(bytes.toString('utf8')) as unknown;
    checkConfigShape(config, file);
    return { config: config as ImageConfigJson, ...configText(bytes) };
  } catch (e) {
    if (e instanceof Error && !(e instanceof SyntaxError)) throw e;
    throw new EngineStoreUnreadable(`${file} is not JSON`);
  }
}

/**
 * Docker's overlay2 layer store: per layer, `image/overlay2/layerdb/sha256/<chain ID>/` holds its diff ID,
 * its tar-split record and the cache ID of its directory `overlay2/<cache ID>/diff`; the config is in
 * `image/overlay2/imagedb/content/sha256/<image ID>`.
 */
function readDockerStore(root: string, imageId: string, kind: EngineKind): EngineStoreImage {
  const configFile = path.join(root, 'image', 'overlay2', 'imagedb', 'content', 'sha256', hexOf(imageId));
  const { config, configJson } = verifiedConfig(readMeta(configFile), imageId, configFile);
  const layers: EngineStoreImage['layers'] = [];
  let chainId = '';
  // Checked by checkConfigShape: a list of sha256 digests.
  for (const diffId of diffIdsOf(config)) {
    // The chain ID names a layer on top of exactly the layers below it (OCI image spec).
    chainId = chainId === '' ? diffId : sha256Digest(Buffer.from(`${chainId} ${diffId}`));
    const dir = path.join(root, 'image', 'overlay2', 'layerdb', 'sha256', hexOf(chainId));
    const recorded = readMeta(path.join(dir, 'diff')).toString('utf8').trim();
    if (recorded !== diffId) throw new EngineStoreUnreadable(`${dir}/diff says ${JSON.stringify(recorded)}, not ${diffId}`);
    const cacheId = readMeta(path.join(dir, 'cache-id')).toString('utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(cacheId)) throw new EngineStoreUnreadable(`${dir}/cache-id is not a layer directory's ID`);
    const size = Number(readMeta(path.join(dir, 'size')).toString('utf8').trim());
    const tarSplit = path.join(dir, 'tar-split.json.gz');
    const diffDir = path.join(root, 'overlay2', cacheId, 'diff');
    const record = recordBytes(tarSplit);
    readable(diffDir);
    layers.push({ diffId, tarSplit, diffDir, bytes: Number.isFinite(size) ? size : 0, recordBytes: record });
  }
  return { label: `${kind}'s layer store at ${root}`, config, configJson, layers };
}

interface StorageLayer {
  id: string;
  parent?: string;
  'diff-digest'?: string;
  'diff-size'?: number;
}

/**
 * containers-storage (podman, buildah) with the overlay driver: `overlay-images/images.json` names an
 * image's top layer, `overlay-layers/layers.json` each layer's parent and diff digest, and each layer has
 * `overlay-layers/<id>.tar-split.gz` and its directory `overlay/<id>/diff`.
 */
function readContainersStorage(root: string, imageId: string, kind: EngineKind): EngineStoreImage {
  const id = hexOf(imageId);
  const configFile = path.join(root, 'overlay-images', id, `=${Buffer.from(`sha256:${id}`).toString('base64')}`);
  const { config, configJson } = verifiedConfig(readMeta(configFile), imageId, configFile);
  const diffIds = diffIdsOf(config);
  const imagesFile = path.join(root, 'overlay-images', 'images.json');
  const layersFile = path.join(root, 'overlay-layers', 'layers.json');
  let images: { id: string; layer?: string }[];
  let storageLayers: StorageLayer[];
  try {
    images = JSON.parse(readMeta(imagesFile).toString('utf8')) as typeof images;
    storageLayers = JSON.parse(readMeta(layersFile).toString('utf8')) as StorageLayer[];
  } catch (e) {
    if (e instanceof EngineStoreUnreadable) throw e;
    throw new EngineStoreUnreadable(`${imagesFile} or ${layersFile} is not JSON`);
  }
  if (!Array.isArray(images) || !Array.isArray(storageLayers)) throw new EngineStoreUnreadable(`${imagesFile} or ${layersFile} is not a list`);
  const byId = new Map(storageLayers.filter((l) => l && typeof l.id === 'string').map((l) => [l.id, l]));
  const chain: StorageLayer[] = [];
  for (let at = images.find((i) => i && i.id === id)?.layer; at !== undefined && at !== ''; ) {
    const layer = byId.get(at);
    if (!layer) throw new EngineStoreUnreadable(`${layersFile} has no layer ${at}`);
    chain.unshift(layer);
    if (chain.length > diffIds.length) break;
    at = layer.parent;
  }
  if (chain.length !== diffIds.length) throw new EngineStoreUnreadable(`${imagesFile}: image ${id.slice(0, 12)} has ${chain.length} layers, its config ${diffIds.length}`);
  return {
    label: `${kind}'s layer store at ${root}`,
    config,
    configJson,
    layers: chain.map((l, n) => {
      if (l['diff-digest'] !== diffIds[n]) throw new EngineStoreUnreadable(`${layersFile}: layer ${l.id} is ${JSON.stringify(l['diff-digest'])}, the config says ${diffIds[n]}`);
      const tarSplit = path.join(root, 'overlay-layers', `${l.id}.tar-split.gz`);
      const diffDir = path.join(root, 'overlay', l.id, 'diff');
      const record = recordBytes(tarSplit);
      readable(diffDir);
      return { diffId: diffIds[n], tarSplit, diffDir, bytes: l['diff-size'] ?? 0, recordBytes: record };
    }),
  };
}

/**
 * Finds an image in the engine's own layer store, when fathom runs on the engine's host and may read it:
 * then no export is needed at all. Throws EngineStoreUnreadable saying why not (a remote engine, another
 * storage driver, the containerd image store, no permission). Nothing there is written or locked.
 */
export async function readEngineStore(engine: Engine, kind: EngineKind, imageId: string): Promise<EngineStoreImage> {
  if (!onThisHost(engine.endpoint)) throw new EngineStoreUnreadable(`the engine at ${engine.endpoint.url} is not on this host`);
  let answer: unknown;
  try {
    answer = await engine.docker.info();
  } catch (e) {
    throw new EngineStoreUnreadable(`the engine did not say where its data root is (${(e as Error).message})`);
  }
  const info = engineInfoAnswer(answer, answerTo(engine, 'GET /info'));
  const root = info.dataRoot;
  if (!root || !path.isAbsolute(root)) throw new EngineStoreUnreadable('the engine did not say where its data root is');
  const driverType = info.driverStatus.find(([k]) => k === 'driver-type')?.[1];
  if (driverType?.includes('containerd')) throw new EngineStoreUnreadable(`the engine keeps images in containerd's image store (${driverType}), which has no tar-split records`);
  // Docker calls its overlay driver overlay2; containers-storage calls its own overlay.
  if (info.driver === 'overlay2') return readDockerStore(root, imageId, kind);
  if (info.driver !== 'overlay') throw new EngineStoreUnreadable(`the engine's storage driver is ${JSON.stringify(info.driver)}: only overlay2 (docker) and overlay (podman) stores are read`);
  if (info.driverStatus.some(([k, v]) => k === 'Using metacopy' && v === 'true')) throw new EngineStoreUnreadable('the overlay driver uses metacopy: layer directories may hold metadata without the bytes');
  return readContainersStorage(root, imageId, kind);
}
