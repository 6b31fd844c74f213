import { FathomError } from '../../errors.js';
import { terminalSafe } from '../../format.js';
import { INDEX_TYPES, checkDescriptor, type Descriptor } from '../descriptor.js';
import { configText, diffIdsOf, parseImageConfig } from '../image-config.js';
import { listAt, objectAt } from '../json-shape.js';
import { forPlatform, platformOf } from '../platform.js';
import type { ImageSource, LayerDescriptor, ResolveOptions, ResolvedImage } from '../types.js';
import { RegistryClient, type ManifestAnswer } from './client.js';
import type { ImageConfigJson } from '../../../store/store.js';
import { findCredentials, type Credentials } from './credentials.js';
import { imageName, type ManifestRef, type RegistryHost } from './reference.js';

export interface RegistryOptions {
  insecure: boolean;
  /** `--username` with `--password-stdin`; otherwise the docker CLI's stored credentials, if any. */
  credentials: Credentials | null;
}

/** A client for a registry with the credentials the user gave, or the ones the docker CLI keeps for it. */
export function registryClient(host: RegistryHost, options: RegistryOptions, label?: string): RegistryClient {
  return new RegistryClient(host, { insecure: options.insecure, credentials: options.credentials ?? findCredentials(host.name), label });
}

function parseJson(m: ManifestAnswer, where: string): Record<string, unknown> {
  return objectAt(JSON.parse(m.bytes.toString('utf8')), where, '(the whole)');
}

/** An image index's entry for the platform asked for (or this machine's). */
function pickFromIndex(index: Record<string, unknown>, where: string, platform: string | undefined): Descriptor {
  const entries = listAt(index.manifests, where, 'manifests').map((m, i) => checkDescriptor(m, where, `manifests[${i}]`));
  const chosen = [...new Map(forPlatform(entries, (d) => platformOf(d.platform), platform, where).map((d) => [d.digest, d])).values()];
  if (chosen.length === 0) throw new FathomError(`${where}: the index lists no image manifests`);
  if (chosen.length > 1) throw new FathomError(`${where}: ${chosen.length} manifests for the same platform (${chosen.map((d) => d.digest.slice(0, 19)).join(', ')}); name one with @sha256:…`);
  return chosen[0];
}

/** What a registry says of one image: its manifest (reached through an index if need be) and its config. */
export interface RegistryImage {
  manifest: ManifestAnswer;
  configDigest: string;
  configBytes: Buffer;
  config: ImageConfigJson;
  layers: Descriptor[];
}

/**
 * An image's manifest by tag or digest (through an image index for `platform`, default this machine's)
 * and its config, each checked against its digest and its shape; null when the registry has no such
 * manifest. Errors start with `label`. The open and the registry's list both read images this way.
 */
export async function readRegistryImage(c: RegistryClient, repository: string, reference: string, platform: string | undefined, label: string): Promise<RegistryImage | null> {
  let top = await c.manifest(repository, reference, 'manifest');
  if (!top) return null;
  let fromIndex = false;
  if (INDEX_TYPES.has(top.mediaType)) {
    const where = `${label}: image index ${top.digest}`;
    const entry = pickFromIndex(parseJson(top, where), where, platform);
    if (entry.mediaType && INDEX_TYPES.has(entry.mediaType)) throw new FathomError(`${where}: an index inside an index; name the image with @sha256:…`);
    const inner = await c.manifest(repository, entry.digest, `manifest ${entry.digest} (from the index)`);
    if (!inner) throw new FathomError(`${where}: the index names manifest ${entry.digest}, which the registry does not have`);
    if (INDEX_TYPES.has(inner.mediaType)) throw new FathomError(`${where}: an index inside an index; name the image with @sha256:…`);
    top = inner;
    fromIndex = true;
  }
  const where = `${label}: manifest ${top.digest}`;
  const manifest = parseJson(top, where);
  const configDescriptor = checkDescriptor(manifest.config, where, 'config');
  const layers = listAt(manifest.layers, where, 'layers').map((l, i) => checkDescriptor(l, where, `layers[${i}]`));
  const configBytes = await c.blobBytes(repository, configDescriptor.digest, `config ${configDescriptor.digest}`);
  const config = parseImageConfig(configBytes, `${label}: config ${configDescriptor.digest}`);
  // One image with no index: the platform asked for must be the config's own.
  const own = platformOf(config);
  if (platform && !fromIndex && own) forPlatform([own], (p) => p, platform, label);
  const diffIds = diffIdsOf(config);
  if (diffIds.length !== layers.length) throw new FathomError(`${where}: lists ${layers.length} layers but the config has ${diffIds.length} diff IDs`);
  return { manifest: top, configDigest: configDescriptor.digest, configBytes, config, layers };
}

/** An image in a registry, read without pulling: manifest (through an index), config, then layers streamed into the store. */
export function registryImageSource(host: RegistryHost, repository: string, ref: ManifestRef, options: RegistryOptions): ImageSource {
  const spec = `registry://${imageName(host, repository, ref)}`;
  return {
    spec,
    async resolve(opts: ResolveOptions): Promise<ResolvedImage> {
      const c = registryClient(host, options, spec);
      const image = await readRegistryImage(c, repository, ref.digest ?? ref.tag, opts.platform, spec);
      if (!image) {
        const tags = (await c.tags(repository))?.sort() ?? null;
        if (tags === null) throw new FathomError(`${spec}: no repository ${JSON.stringify(repository)} on ${host.name}`);
        const shown = tags.slice(0, 12).map(terminalSafe).join(', ');
        throw new FathomError(`${spec}: no ${ref.digest ? `manifest ${ref.digest}` : `tag ${JSON.stringify(ref.tag)}`} in ${repository}; its tags: ${shown || '(none)'}${tags.length > 12 ? `, … (${tags.length} in all)` : ''}`);
      }
      const { config, configBytes } = image;
      const diffIds = diffIdsOf(config);
      const layers: LayerDescriptor[] = image.layers.map((d, i) => {
        const layerWhere = `${spec}: layer ${i} (${d.digest})`;
        return {
          diffId: diffIds[i],
          digest: d.digest,
          mediaType: d.mediaType ?? null,
          compressedBytes: d.size ?? null,
          blob: { diffId: diffIds[i], blobDigest: d.digest, where: layerWhere, ...(d.size !== undefined && { sizeHint: d.size }), open: async () => c.blobStream(repository, d.digest, d.size ?? null, `layer ${i} (${d.digest})`) },
        };
      });
      const transport = c.transport.how;
      return {
        source: spec,
        id: image.configDigest,
        config,
        ...configText(configBytes),
        repoTags: ref.tag !== undefined ? [`${host.name}/${repository}:${ref.tag}`] : [],
        manifestDigest: image.manifest.digest,
        layers,
        ...(transport && { registryRead: { host: host.name, transport } }),
      };
    },
  };
}
