import { FathomError } from '../errors.js';
import { objectAt, optional, stringAt } from './json-shape.js';

/** A content descriptor (OCI image spec): what a manifest or index says of a blob it points to. */
export interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** Media types of image indexes (OCI) and manifest lists (Docker). */
export const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** A descriptor as the spec has it: an object with a string digest, string media type, string annotations. */
export function checkDescriptor(v: unknown, where: string, field: string): Descriptor {
  const d = objectAt(v, where, field);
  stringAt(d.digest, where, `${field}.digest`);
  optional(d.mediaType, stringAt, where, `${field}.mediaType`);
  if (d.size !== undefined && !(Number.isSafeInteger(d.size) && (d.size as number) >= 0)) throw new FathomError(`${where}: ${field}.size is ${JSON.stringify(d.size)}, not a byte count`);
  const annotations = optional(d.annotations, objectAt, where, `${field}.annotations`);
  for (const [k, a] of Object.entries(annotations ?? {})) stringAt(a, where, `${field}.annotations[${JSON.stringify(k)}]`);
  const platform = optional(d.platform, objectAt, where, `${field}.platform`);
  for (const k of ['os', 'architecture', 'variant']) optional(platform?.[k], stringAt, where, `${field}.platform.${k}`);
  return d as unknown as Descriptor;
}

