import { humanBytes } from '../format.js';
import type { ImageConfigJson, LayerBlobSource, LayerStore } from '../../store/store.js';

/** One layer as a source describes it, before (or instead of) reading its bytes. */
export interface LayerDescriptor {
  diffId: string;
  /** The blob digest the source declares; for docker-save archives there is none (null). */
  digest: string | null;
  /** The declared media type, or null when the source declares none (docker save). */
  mediaType: string | null;
  /** The blob's size as the source ships it; null where the blob is the plain tar and its size is learnt by reading it. */
  compressedBytes: number | null;
  blob: LayerBlobSource;
}

/**
 * How an engine image was read: from the engine's own layer store (no export), from its export (with why,
 * when the store could not be read), or not at all (every layer was in fathom's store already).
 */
export type EngineRead = { via: 'store'; from: string } | { via: 'export'; why: string | null } | { via: 'none' };

/** How fathom reached a registry: said in the header, so an unverified connection is never a surprise. */
export type Transport = { scheme: 'https'; verified: boolean } | { scheme: 'http' };

/** For registry images: which registry answered, and how it was reached. */
export interface RegistryRead {
  host: string;
  transport: Transport;
}

/** An image a source has located and whose metadata (config, manifest) it has verified. */
export interface ResolvedImage {
  source: string;
  /** Config digest: the image ID. */
  id: string;
  config: ImageConfigJson;
  /** The config's bytes as text, where the source had them: the store checks them against `id` on every read. */
  configJson?: string;
  repoTags: string[];
  manifestDigest: string | null;
  layers: LayerDescriptor[];
  /** For engine images: how this open read it. */
  engineRead?: EngineRead;
  /** For registry images: how the registry was reached. */
  registryRead?: RegistryRead;
}

export interface ResolveOptions {
  /** Which image of several: a tag ("app:1") or an OCI ref name ("latest"). */
  tag?: string;
  /** "os/arch[/variant]" for image indexes; default: this machine's. */
  platform?: string;
  store: LayerStore;
  onProgress?: (p: IngestProgress) => void;
  /** For engine images: read the engine's own layer store, its export, or the store when it can (default). */
  engineRead?: EngineReadChoice;
}

export type EngineReadChoice = 'store' | 'export' | 'auto';

export interface IngestProgress {
  layersDone: number;
  layersTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** Set while nothing has arrived yet from a source that prepares first ("the docker engine's export"). */
  waitingFor?: string;
  /** For such a source, once bytes come: seconds from its first byte to this report (its rate is over these, not its wait). */
  flowingSeconds?: number;
}

/** The line a progress display shows: what is awaited and for how long, or layers, bytes and the rate. `seconds`: since the open began. */
export function progressLine(p: IngestProgress, seconds: number): string {
  if (p.waitingFor) return `waiting for ${p.waitingFor} to start… ${Math.floor(seconds)}s`;
  return `layers ${p.layersDone}/${p.layersTotal}   ${humanBytes(p.bytesDone)} of ${humanBytes(p.bytesTotal)}   ${humanBytes(p.bytesDone / Math.max(0.001, p.flowingSeconds ?? seconds))}/s`;
}

/**
 * Where images come from: archives and layout directories here; the Docker Engine (docker://, podman://)
 * implements the same interface and may put layers into the store itself while resolving.
 */
export interface ImageSource {
  readonly spec: string;
  resolve(options: ResolveOptions): Promise<ResolvedImage>;
}
