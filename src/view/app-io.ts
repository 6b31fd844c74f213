import type { ImageModel } from '../model/image-model.js';
import type { ChangeFeed } from '../model/change-feed.js';
import type { IngestProgress } from '../sources/types.js';
import type { LayerStore } from '../../store/store.js';
import type { AuditReport } from '../analysis/audit.js';
import type { ContainerAction, LogFeed } from '../sources/engine/container-actions.js';

export type { ContainerAction, LogFeed } from '../sources/engine/container-actions.js';

/** An audit's figures and the images it could not read. */
export interface AuditOutcome {
  report: AuditReport;
  problems: string[];
}

/** A row of the image list, whatever it came from. */
export interface ImageListRow {
  /** What to open it with: "docker://app:1", "store://sha256:…", a path. */
  source: string;
  origin: 'engine' | 'store' | 'archive' | 'registry';
  tag: string;
  id: string;
  /** Unix seconds, or null when unknown. */
  created: number | null;
  sizeBytes: number | null;
  layers: number | null;
  /** Known once the image has been opened (from the store's analysis cache). */
  efficiency: number | null;
}

export interface ContainerListRow {
  id: string;
  name: string;
  image: string;
  state: string;
  status: string;
  /** Unix seconds, when the engine said. */
  created?: number | null;
  /** Published ports as `docker ps` shows them ("0.0.0.0:8080->80/tcp"). */
  ports?: string;
  /** Filled in lazily: sizes are costly for the engine. */
  sizeRwBytes: number | null;
  sizeRootFsBytes: number | null;
  simulated: boolean;
}

/** A container pane's live data: the change feed plus its storage facts. */
export interface ContainerDetail {
  feed: ChangeFeed;
  storage: { driver: string; lowerDir: string | null; upperDir: string | null; mergedDir: string | null } | null;
}

/**
 * Everything the panes ask of the outside world, injected by the CLI (or by the demo and the tests),
 * so components stay free of parsing and I/O.
 */
export interface AppIo {
  store: LayerStore;
  /** What the image list is of, when not the engine's and the store's images ("registry 127.0.0.1:5000"). */
  imagesTitle?: string;
  /** A line under the list's title that says how to read it. */
  imagesNote?: string;
  /**
   * Opens an image; `onPreview` may be given a first look (from the layers' tar headers, unverified, never
   * stored) while the layers are still read and verified: the promise then brings the verified image.
   * `onPreview` may return when the first look is on screen: until then the open holds back its own work
   * on this thread. `onFirstLook` is told `true` once a first look is being made (the layers' headers
   * are being scanned), and `false` if it then will not come after all.
   */
  openImage(source: string, onProgress: (p: IngestProgress) => void, onPreview?: (preview: ImageModel) => Promise<void> | void, onFirstLook?: (coming: boolean) => void): Promise<ImageModel>;
  /** Keeps an image's headline numbers so lists can show them without reopening it. */
  rememberAnalysis(model: ImageModel): void;
  /** Diff IDs that other stored images use too. */
  sharedDiffIds(model: ImageModel): Set<string>;
  /** Images to list; `onChange` fires when the list changes (engine events). Returns a stop function. */
  watchImages(onChange: (rows: ImageListRow[], problem: string | null) => void): () => void;
  /** Containers to list, and a feed for one of them. */
  watchContainers(onChange: (rows: ContainerListRow[], problem: string | null) => void): () => void;
  /** Audits these images together (see `fathom audit`); `onImage` says which is being read. */
  audit(sources: readonly string[], onImage: (done: number, total: number, source: string) => void): Promise<AuditOutcome>;
  /** `name` is what the list already knows, shown until the engine confirms it. */
  containerDetail(id: string, name?: string): ContainerDetail;
  /** Starts, stops, restarts or removes a container (removing a running one forces it). */
  containerAction(id: string, action: ContainerAction, running: boolean): Promise<void>;
  /** The container as a layered image: its image's layers, then its writable layer as it is now. */
  openContainer(id: string): Promise<ImageModel>;
  /** The container's log: the last 1000 lines, then followed. */
  containerLog(id: string): LogFeed;
}
