import { FathomError } from '../../errors.js';
import type { RegistryClient } from './client.js';
import { readRegistryImage } from './registry-source.js';

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
export async function tagFigures(client: RegistryClient, repository: string, tag: string, platform: string | undefined): Promise<Pick<RegistryTag, 'id' | 'created' | 'compressedBytes' | 'layers'>> {
  const where = `${repository}:${tag}`;
  const image = await readRegistryImage(client, repository, tag, platform, where);
  if (!image) throw new FathomError(`${where}: listed, but its manifest is gone`);
  const created = image.config.created ? Math.floor(Date.parse(image.config.created) / 1000) : null;
  return {
    id: image.configDigest,
    created: created !== null && Number.isFinite(created) ? created : null,
    compressedBytes: image.layers.reduce((n, l) => n + (l.size ?? 0), 0),
    layers: image.layers.length,
  };
}
