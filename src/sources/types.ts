import type { ImageConfigJson, LayerBlobSource, LayerStore } from '../../store/store.js';

/** One layer as a source describes it, before (or instead of) reading its bytes. */
export interface LayerDescriptor {
  diffId: string;
  /** The blob digest the source declares; for docker-save archives there is none (null). */
  digest: string | null;
  /** The declared media type, or null when the source declares none (docker save). */
  mediaType: string | null;
  compressedBytes: number;
  blob: LayerBlobSource;
}

/** An image a source has located and whose metadata (config, manifest) it has verified. */
export interface ResolvedImage {
  source: string;
  /** Config digest: the image ID. */
  id: string;
  config: ImageConfigJson;
  repoTags: string[];
  manifestDigest: string | null;
  layers: LayerDescriptor[];
}

export interface ResolveOptions {
  /** Which image of several: a tag ("app:1") or an OCI ref name ("latest"). */
  tag?: string;
  /** "os/arch[/variant]" for image indexes; default: this machine's. */
  platform?: string;
  store: LayerStore;
  onProgress?: (p: IngestProgress) => void;
}

export interface IngestProgress {
  layersDone: number;
  layersTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

/**
 * Where images come from: archives and layout directories here; the Docker Engine (docker://, podman://)
 * implements the same interface and may put layers into the store itself while resolving.
 */
export interface ImageSource {
  readonly spec: string;
  resolve(options: ResolveOptions): Promise<ResolvedImage>;
}
