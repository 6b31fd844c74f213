import { FathomError } from '../../errors.js';
import type { ArchiveFiles } from './archive-files.js';
import { parseJson } from './archive-files.js';
import { diffIdsOf, readImageConfig } from '../image-config.js';
import type { LayerDescriptor, ResolveOptions, ResolvedImage } from '../types.js';
import { normalizeRef } from '../verify.js';
import { objectAt, optional, stringAt, stringListAt } from '../json-shape.js';

interface SaveManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/** Picks one entry of a multi-image archive by tag, or explains which tags there are. */
function pickEntry(entries: SaveManifestEntry[], label: string, tag: string | undefined): SaveManifestEntry {
  if (entries.length === 0) throw new FathomError(`${label}: manifest.json lists no images`);
  if (tag) {
    const want = normalizeRef(tag);
    const found = entries.find((e) => (e.RepoTags ?? []).some((t) => normalizeRef(t) === want));
    if (!found) throw new FathomError(`${label}: no image tagged ${tag}; the archive holds: ${describeChoices(entries)}`);
    return found;
  }
  if (entries.length > 1) {
    throw new FathomError(`${label}: holds ${entries.length} images, pick one with --tag (or PATH:TAG): ${describeChoices(entries)}`);
  }
  return entries[0];
}

function describeChoices(entries: SaveManifestEntry[]): string {
  return entries.map((e) => (e.RepoTags?.length ? e.RepoTags.join(', ') : `untagged ${e.Config}`)).join('; ');
}

/** `docker save` output: the legacy layout (<id>/layer.tar) and Docker 25+'s (blobs/sha256/… beside manifest.json). */
export function resolveDockerSave(files: ArchiveFiles, source: string, opts: ResolveOptions): ResolvedImage {
  const label = files.label;
  const raw = parseJson<unknown>(files, 'manifest.json');
  if (!Array.isArray(raw)) throw new FathomError(`${label}: manifest.json is not a docker save manifest (expected [{Config, RepoTags, Layers}])`);
  const where = `${label}: manifest.json`;
  const entries: SaveManifestEntry[] = raw.map((e, i) => {
    const entry = objectAt(e, where, `[${i}]`);
    return {
      Config: stringAt(entry.Config, where, `[${i}].Config`),
      RepoTags: optional(entry.RepoTags, stringListAt, where, `[${i}].RepoTags`) ?? null,
      Layers: stringListAt(entry.Layers, where, `[${i}].Layers`),
    };
  });
  const entry = pickEntry(entries, label, opts.tag);
  const configDigest = digestFromBlobPath(entry.Config) ?? digestFromLegacyConfig(entry.Config);
  const { id, config, configJson } = readImageConfig(files, entry.Config, configDigest);
  const diffIds = diffIdsOf(config);
  if (diffIds.length !== entry.Layers.length) {
    throw new FathomError(`${label}: manifest.json lists ${entry.Layers.length} layers but the config has ${diffIds.length} diff IDs`);
  }
  const layers: LayerDescriptor[] = entry.Layers.map((layerPath, i) => {
    const digest = digestFromBlobPath(layerPath);
    const where = `${label}: layer ${i} (${layerPath})`;
    return {
      diffId: diffIds[i],
      // What this source holds, whatever another source stored for the same layer: docker save writes plain
      // tars (named by their digest, the diff ID, from Docker 25 on).
      digest: digest ?? diffIds[i],
      mediaType: DOCKER_LAYER_TAR,
      compressedBytes: files.size(layerPath),
      blob: { diffId: diffIds[i], blobDigest: digest, where, open: async () => files.stream(layerPath), location: files.location ? () => files.location!(layerPath) : undefined, stored: files.storing?.(layerPath) },
    };
  });
  return { source, id, config, configJson, repoTags: (entry.RepoTags ?? []).map(normalizeRef), manifestDigest: null, layers };
}

/** The media type of a plain layer tar, as docker save (and the engine's own store) holds it. */
export const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';

/** Docker 25+ names blobs by digest: "blobs/sha256/<hex>". */
function digestFromBlobPath(p: string): string | null {
  const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(p.replace(/^\.\//, ''));
  return m ? `sha256:${m[1]}` : null;
}

/** The legacy layout names the config "<hex>.json" after its own digest. */
function digestFromLegacyConfig(p: string): string | null {
  const m = /^([0-9a-f]{64})\.json$/.exec(p);
  return m ? `sha256:${m[1]}` : null;
}
