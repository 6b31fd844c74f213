import { FathomError } from '../../errors.js';

/** A registry as the user named it, and where its API answers. */
export interface RegistryHost {
  /** As written: "127.0.0.1:5000", "ghcr.io", "docker.io". Credentials and certs.d are keyed by it. */
  name: string;
  /** Where the v2 API is: Docker Hub's "docker.io" answers at registry-1.docker.io. */
  endpoint: string;
}

/** What in a repository: a tag, or a manifest digest (the digest wins when both are written, as the docker CLI does). */
export type ManifestRef = { tag: string; digest?: undefined } | { digest: string; tag?: string };

/** `registry://HOST[:PORT]` (the whole registry) or `registry://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]` (one image). */
export type RegistryLocation = { host: RegistryHost; repository: null } | { host: RegistryHost; repository: string; ref: ManifestRef };

const HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
// The distribution spec's repository name: lowercase components joined by single separators.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HOST = /^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::\d{1,5})?$/i;

export function registryHost(name: string): RegistryHost {
  return HUB_NAMES.has(name) ? { name: 'docker.io', endpoint: 'registry-1.docker.io' } : { name, endpoint: name };
}

/** Reads what follows `registry://`. Every part is checked here, so nothing odd reaches a URL. */
export function parseRegistryLocation(rest: string): RegistryLocation {
  const input = `registry://${rest}`;
  const slash = rest.indexOf('/');
  const hostName = slash < 0 ? rest : rest.slice(0, slash);
  if (!HOST.test(hostName)) throw new FathomError(`${input}: ${JSON.stringify(hostName)} is not a registry host (HOST or HOST:PORT)`);
  const host = registryHost(hostName.toLowerCase());
  const path = slash < 0 ? '' : rest.slice(slash + 1);
  if (path === '') return { host, repository: null };
  let repoAndTag = path;
  let digest: string | undefined;
  const at = path.indexOf('@');
  if (at >= 0) {
    digest = path.slice(at + 1);
    repoAndTag = path.slice(0, at);
    if (!DIGEST.test(digest)) throw new FathomError(`${input}: ${JSON.stringify(digest)} is not a sha256 digest`);
  }
  const lastSlash = repoAndTag.lastIndexOf('/');
  const colon = repoAndTag.indexOf(':', lastSlash + 1);
  let repository = colon < 0 ? repoAndTag : repoAndTag.slice(0, colon);
  const tag = colon < 0 ? undefined : repoAndTag.slice(colon + 1);
  if (tag !== undefined && !TAG.test(tag)) throw new FathomError(`${input}: ${JSON.stringify(tag)} is not a tag`);
  if (!repository.split('/').every((c) => COMPONENT.test(c)) || repository.length > 255) {
    throw new FathomError(`${input}: ${JSON.stringify(repository)} is not a repository name (lowercase letters, digits, separators)`);
  }
  // Docker Hub's official images live under library/, as the docker CLI spells them out.
  if (host.name === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  const ref: ManifestRef = digest ? { digest, ...(tag !== undefined && { tag }) } : { tag: tag ?? 'latest' };
  return { host, repository, ref };
}

/** The image as one string: "127.0.0.1:5000/app:1", "127.0.0.1:5000/app@sha256:...". */
export function imageName(host: RegistryHost, repository: string, ref: ManifestRef): string {
  return `${host.name}/${repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
