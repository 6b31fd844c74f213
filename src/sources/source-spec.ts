import fs from 'node:fs';
import path from 'node:path';
import { FathomError } from '../errors.js';
import { DirFiles, TarFiles } from './archive/archive-files.js';
import { resolveDockerSave } from './archive/docker-archive.js';
import { resolveOciLayout } from './archive/oci-layout.js';
import type { ImageSource, ResolveOptions } from './types.js';
import { imageName, parseRegistryLocation, type RegistryLocation } from './registry/reference.js';

/** How a source string was read: scheme, location, and an optional image name inside it. */
export type SourceSpec =
  | { kind: 'docker-archive'; path: string; tag?: string }
  | { kind: 'oci-dir'; path: string; tag?: string }
  | { kind: 'oci-archive'; path: string; tag?: string }
  | { kind: 'engine'; engine: 'docker' | 'podman'; ref: string; /** written without a scheme, and no such file */ bare?: boolean }
  | { kind: 'store'; ref: string }
  | ({ kind: 'registry' } & RegistryLocation);

/** An image reference as the engine takes it: name[:tag][@digest], or an image ID. */
export function isImageReference(ref: string): boolean {
  return /^[a-z0-9][a-z0-9._/-]*(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$/i.test(ref) && !ref.includes('//') && ref.length <= 512;
}

/**
 * Splits "PATH:TAG" only when the whole string is no file but a prefix up to a colon is; the tag may
 * itself hold colons and slashes ("img.tar:corpus/app:1").
 */
function splitTag(location: string): { path: string; tag?: string } {
  if (fs.existsSync(location)) return { path: location };
  for (let colon = location.indexOf(':'); colon > 0; colon = location.indexOf(':', colon + 1)) {
    const candidate = location.slice(0, colon);
    if (fs.existsSync(candidate) && colon < location.length - 1) return { path: candidate, tag: location.slice(colon + 1) };
  }
  return { path: location };
}

/**
 * Reads dive's source syntax (docker-archive://, docker-tar://, docker://, podman://) plus
 * oci://DIR[:TAG] and oci-archive://PATH[:TAG]; a bare path is recognised by what it holds.
 */
export function parseSourceSpec(input: string): SourceSpec {
  const m = /^([a-z-]+):\/\/(.*)$/.exec(input);
  if (m) {
    const [, scheme, rest] = m;
    if (!rest) throw new FathomError(`${input}: nothing after ${scheme}://`);
    switch (scheme) {
      case 'docker-archive':
      case 'docker-tar':
        return { kind: 'docker-archive', ...splitTag(rest) };
      case 'oci':
        return { kind: 'oci-dir', ...splitTag(rest) };
      case 'oci-archive':
        return { kind: 'oci-archive', ...splitTag(rest) };
      case 'docker':
      case 'podman':
        if (!isImageReference(rest)) throw new FathomError(`${input}: "${rest}" is not an image reference (name[:tag][@digest] or an ID)`);
        return { kind: 'engine', engine: scheme, ref: rest };
      case 'store':
        return { kind: 'store', ref: rest };
      case 'registry':
        return { kind: 'registry', ...parseRegistryLocation(rest) };
      default:
        throw new FathomError(`${input}: unknown source scheme "${scheme}://" (use docker-archive://, oci://, oci-archive://, docker://, podman://, registry://)`);
    }
  }
  const { path: p, tag } = splitTag(input);
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    // Something spelled like a path is a missing file, not an image name to ask an engine about.
    if (/^(\/|\.{1,2}\/)|\.tar$/.test(input) || !isImageReference(input)) throw new FathomError(`${input}: no such file or directory`);
    return { kind: 'engine', engine: 'docker', ref: input, bare: true };
  }
  if (st.isDirectory()) {
    if (fs.existsSync(path.join(p, 'oci-layout')) || fs.existsSync(path.join(p, 'index.json'))) return { kind: 'oci-dir', path: p, tag };
    throw new FathomError(`${p}: a directory, but not an OCI image layout (no oci-layout or index.json)`);
  }
  return { kind: 'docker-archive', path: p, tag }; // a tar: docker save or OCI archive, told apart by its members
}

export function canonicalSource(spec: SourceSpec): string {
  switch (spec.kind) {
    case 'docker-archive':
      return `docker-archive://${path.resolve(spec.path)}`;
    case 'oci-dir':
      return `oci://${path.resolve(spec.path)}`;
    case 'oci-archive':
      return `oci-archive://${path.resolve(spec.path)}`;
    case 'engine':
      return `${spec.engine}://${spec.ref}`;
    case 'store':
      return `store://${spec.ref}`;
    case 'registry':
      return spec.repository === null ? `registry://${spec.host.name}` : `registry://${imageName(spec.host, spec.repository, spec.ref)}`;
  }
}

/** A source over files: a docker save tar, an OCI archive or an OCI layout directory. */
export function fileSource(spec: Extract<SourceSpec, { path: string }>): ImageSource {
  const source = canonicalSource(spec);
  return {
    spec: source,
    async resolve(opts: ResolveOptions) {
      const withTag = { ...opts, tag: opts.tag ?? spec.tag };
      if (spec.kind === 'oci-dir') return resolveOciLayout(new DirFiles(spec.path), source, withTag);
      const files = new TarFiles(spec.path);
      if (files.has('manifest.json')) return resolveDockerSave(files, source, withTag);
      if (files.has('index.json')) return resolveOciLayout(files, `oci-archive://${path.resolve(spec.path)}`, withTag);
      throw new FathomError(`${spec.path}: a tar, but neither a docker save archive (no manifest.json) nor an OCI archive (no index.json)`);
    },
  };
}
