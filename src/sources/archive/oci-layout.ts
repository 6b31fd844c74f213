import { FathomError } from '../../errors.js';
import type { ArchiveFiles } from './archive-files.js';
import { diffIdsOf, readImageConfig } from '../image-config.js';
import { listAt, objectAt } from '../json-shape.js';
import type { LayerDescriptor, ResolveOptions, ResolvedImage } from '../types.js';
import { normalizeRef, verifyDigest } from '../verify.js';
import { forPlatform, platformOf } from '../platform.js';
import { INDEX_TYPES, checkDescriptor, type Descriptor } from '../descriptor.js';

interface IndexJson {
  manifests?: Descriptor[];
}

interface ManifestJson {
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';

interface Candidate {
  descriptor: Descriptor;
  refName: string | null;
  imageName: string | null;
}

function blobName(digest: string, what: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m) throw new FathomError(`${what}: unsupported or malformed digest ${JSON.stringify(digest)}`);
  return `blobs/sha256/${m[1]}`;
}

function readBlobJson<T>(files: ArchiveFiles, d: Descriptor, what: string): T {
  const name = blobName(d.digest, what);
  const bytes = files.read(name);
  verifyDigest(bytes, d.digest, `${files.label}: ${what} ${d.digest}`);
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (e) {
    throw new FathomError(`${files.label}: ${what} ${d.digest} is not valid JSON (${(e as Error).message})`);
  }
}

/** Flattens nested indexes into image manifests, carrying down the names their parents gave them. */
function collectManifests(files: ArchiveFiles, descriptors: unknown, inherited: Omit<Candidate, 'descriptor'>, depth = 0, where = `${files.label}: index.json`): Candidate[] {
  if (depth > 4) throw new FathomError(`${files.label}: image indexes nested too deep`);
  const out: Candidate[] = [];
  for (const [i, raw] of listAt(descriptors, where, 'manifests').entries()) {
    const d = checkDescriptor(raw, where, `manifests[${i}]`);
    const refName = d.annotations?.[REF_NAME] ?? inherited.refName;
    const imageName = d.annotations?.[CONTAINERD_NAME] ?? inherited.imageName;
    if (d.mediaType && INDEX_TYPES.has(d.mediaType)) {
      const nested = objectAt(readBlobJson<unknown>(files, d, 'image index'), `${files.label}: image index ${d.digest}`, '(the whole)');
      out.push(...collectManifests(files, nested.manifests ?? [], { refName, imageName }, depth + 1, `${files.label}: image index ${d.digest}`));
    } else {
      out.push({ descriptor: d, refName, imageName });
    }
  }
  return out;
}

function platformOfDescriptor(c: Candidate): string | null {
  return platformOf(c.descriptor.platform);
}

function matchesTag(c: Candidate, tag: string): boolean {
  if (c.refName === tag) return true;
  const want = normalizeRef(tag);
  if (c.imageName && normalizeRef(c.imageName) === want) return true;
  return c.refName !== null && c.refName.includes(':') && normalizeRef(c.refName) === want;
}

function pickManifest(files: ArchiveFiles, candidates: Candidate[], opts: ResolveOptions): Candidate {
  let pool = candidates;
  if (opts.tag) {
    pool = pool.filter((c) => matchesTag(c, opts.tag!));
    if (pool.length === 0) {
      const names = [...new Set(candidates.map((c) => c.imageName ?? c.refName).filter(Boolean))];
      throw new FathomError(`${files.label}: no image named ${opts.tag}; it holds: ${names.join(', ') || '(untagged images only)'}`);
    }
  }
  pool = forPlatform(pool, platformOfDescriptor, opts.platform, files.label);
  const distinct = [...new Map(pool.map((c) => [c.descriptor.digest, c])).values()];
  if (distinct.length > 1) {
    const names = distinct.map((c) => `${c.imageName ?? c.refName ?? '(untagged)'} ${c.descriptor.digest.slice(0, 19)}`);
    throw new FathomError(`${files.label}: holds ${distinct.length} images, pick one with a tag (oci://DIR:TAG or --tag): ${names.join('; ')}`);
  }
  if (distinct.length === 0) throw new FathomError(`${files.label}: index.json lists no image manifests`);
  return distinct[0];
}

/** An OCI image layout (directory, or a tar of one): index.json → manifest → config and layer blobs. */
export function resolveOciLayout(files: ArchiveFiles, source: string, opts: ResolveOptions): ResolvedImage {
  const label = files.label;
  if (!files.has('index.json')) throw new FathomError(`${label}: not an OCI image layout (no index.json)`);
  let index: IndexJson;
  const indexBytes = files.read('index.json');
  try {
    index = JSON.parse(indexBytes.toString('utf8')) as IndexJson;
  } catch (e) {
    throw new FathomError(`${label}: index.json is not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(index.manifests)) throw new FathomError(`${label}: index.json has no manifests array`);
  const chosen = pickManifest(files, collectManifests(files, index.manifests, { refName: null, imageName: null }), opts);
  const manifestWhere = `${label}: image manifest ${chosen.descriptor.digest}`;
  const manifestRaw = objectAt(readBlobJson<unknown>(files, chosen.descriptor, 'image manifest'), manifestWhere, '(the whole)');
  if (manifestRaw.config === undefined || manifestRaw.layers === undefined) throw new FathomError(`${manifestWhere} has no config or layers`);
  checkDescriptor(manifestRaw.config, manifestWhere, 'config');
  listAt(manifestRaw.layers, manifestWhere, 'layers').forEach((l, i) => checkDescriptor(l, manifestWhere, `layers[${i}]`));
  const manifest = manifestRaw as unknown as Required<Pick<ManifestJson, "config" | "layers">>;
  const { id, config, configJson } = readImageConfig(files, blobName(manifest.config.digest, `${label}: config`), manifest.config.digest);
  const diffIds = diffIdsOf(config);
  if (diffIds.length !== manifest.layers.length) {
    throw new FathomError(`${label}: the manifest lists ${manifest.layers.length} layers but the config has ${diffIds.length} diff IDs`);
  }
  const layers: LayerDescriptor[] = manifest.layers.map((d, i) => {
    const name = blobName(d.digest, `${label}: layer ${i}`);
    const where = `${label}: layer ${i} (${d.digest})`;
    const present = files.has(name);
    // A blob already in the store is not needed again; one that is neither here nor there is an error.
    if (!present && !opts.store.hasLayer(diffIds[i])) throw new FathomError(`${where}: blob is missing`);
    return {
      diffId: diffIds[i],
      digest: d.digest,
      mediaType: d.mediaType ?? null,
      compressedBytes: present ? files.size(name) : (d.size ?? 0),
      blob: { diffId: diffIds[i], blobDigest: d.digest, where, open: async () => files.stream(name), location: files.location ? () => files.location!(name) : undefined, stored: present ? files.storing?.(name) : undefined },
    };
  });
  const name = chosen.imageName ?? (chosen.refName && chosen.refName.includes(':') ? chosen.refName : null);
  return { source, id, config, configJson, repoTags: name ? [normalizeRef(name)] : [], manifestDigest: chosen.descriptor.digest, layers };
}
