import { INDEX_TYPES, checkDescriptor } from '../descriptor.js';
import { listAt, objectAt } from '../json-shape.js';
import { forPlatform, platformOf } from '../platform.js';
import type { RegistryClient } from './client.js';

/** One tag of a registry as the list shows it; the figures fill in as its manifest and config arrive. */
export interface RegistryTag {
  repository: string;
  tag: string;
  /** The image's config digest (its ID), once read. */
  id: string | null;
  /** Unix seconds. */
  created: number | null;
  /** The layers' sizes as the registry stores them (compressed). */
  compressedBytes: number | null;
  layers: number | null;
  /** Why its figures could not be read (a platform missing, a broken manifest). */
  problem: string | null;
}

/** How many tags are read at once: enough to hide round trips, few enough not to crowd the registry. */
const AT_ONCE = 4;

/**
 * A registry's repositories and tags (catalog, then tags), published as they are learnt, then each tag's
 * manifest and config for its ID, age, size and layer count: no layer blob is fetched.
 */
export async function listRegistry(
  client: RegistryClient,
  platform: string | undefined,
  publish: (tags: readonly RegistryTag[]) => void,
  stopped: () => boolean,
): Promise<RegistryTag[]> {
  const tags: RegistryTag[] = (await registryTags(client, stopped)).map(({ repository, tag }) => ({ repository, tag, id: null, created: null, compressedBytes: null, layers: null, problem: null }));
  publish([...tags]);
  let last = Date.now();
  await eachAtOnce(tags, async (t) => {
    try {
      Object.assign(t, await tagFigures(client, t.repository, t.tag, platform));
    } catch (e) {
      t.problem = (e as Error).message;
    }
    // Redrawn a few times a second at most, and once at the end.
    if (Date.now() - last > 200) {
      last = Date.now();
      publish([...tags]);
    }
  }, stopped);
  publish([...tags]);
  return tags;
}

/** Every repository:tag of a registry (the catalog, then each repository's tags), sorted. */
export async function registryTags(client: RegistryClient, stopped: () => boolean = () => false): Promise<{ repository: string; tag: string }[]> {
  const repositories = await client.catalog();
  const tags: { repository: string; tag: string }[] = [];
  await eachAtOnce(repositories, async (repository) => {
    for (const tag of (await client.tags(repository)) ?? []) tags.push({ repository, tag });
  }, stopped);
  return tags.sort((a, b) => a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag));
}

async function eachAtOnce<T>(items: readonly T[], work: (item: T) => Promise<void>, stopped: () => boolean): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stopped()) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
}

/** A tag's manifest (through its index, for this platform) and config: what the list shows of it. */
export async function tagFigures(client: RegistryClient, repository: string, tag: string, platform: string | undefined): Promise<Pick<RegistryTag, 'id' | 'created' | 'compressedBytes' | 'layers'> & { manifestDigest: string; layerDigests: { digest: string; size: number }[]; diffIds: string[] }> {
  const where = `${repository}:${tag}`;
  let m = await client.manifest(repository, tag, `manifest of ${where}`);
  if (!m) throw new Error(`${where}: listed, but its manifest is gone`);
  if (INDEX_TYPES.has(m.mediaType)) {
    const index = objectAt(JSON.parse(m.bytes.toString('utf8')), where, '(the whole)');
    const entries = listAt(index.manifests, where, 'manifests').map((d, i) => checkDescriptor(d, where, `manifests[${i}]`));
    const [entry] = forPlatform(entries, (d) => platformOf(d.platform), platform, where);
    m = entry ? await client.manifest(repository, entry.digest, `manifest ${entry.digest}`) : null;
    if (!m || INDEX_TYPES.has(m.mediaType)) throw new Error(`${where}: its index names no readable manifest`);
  }
  const manifest = objectAt(JSON.parse(m.bytes.toString('utf8')), where, '(the whole)');
  const config = checkDescriptor(manifest.config, where, 'config');
  const layers = listAt(manifest.layers, where, 'layers').map((l, i) => checkDescriptor(l, where, `layers[${i}]`));
  const parsed = objectAt(JSON.parse((await client.blobBytes(repository, config.digest, `config of ${where}`)).toString('utf8')), where, 'config');
  const created = typeof parsed.created === 'string' ? Math.floor(Date.parse(parsed.created) / 1000) : null;
  const rootfs = parsed.rootfs as { diff_ids?: unknown } | undefined;
  const diffIds = Array.isArray(rootfs?.diff_ids) ? rootfs.diff_ids.filter((d): d is string => typeof d === 'string') : [];
  return {
    id: config.digest,
    created: Number.isFinite(created) ? created : null,
    compressedBytes: layers.reduce((n, l) => n + (l.size ?? 0), 0),
    layers: layers.length,
    manifestDigest: m.digest,
    layerDigests: layers.map((l) => ({ digest: l.digest, size: l.size ?? 0 })),
    diffIds,
  };
}
