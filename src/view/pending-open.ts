import type { ImageModel } from '../model/image-model.js';
import type { IngestProgress } from '../sources/types.js';
import type { AppIo } from './app-io.js';

/** An image open started before the UI's first frame. */
export interface PendingOpen {
  /** The model, once the open has succeeded. */
  readonly model: ImageModel | null;
  readonly promise: Promise<ImageModel>;
  /** A first look, unverified, if one came while the image is still being read (see AppIo.openImage). */
  readonly preview: ImageModel | null;
  /** Where progress goes from now on (the Loading screen, when the open outlasts the wait). */
  onProgress(listener: (p: IngestProgress) => void): void;
  /** Where a first look goes, if one comes after the wait; it may return when the first look is drawn. */
  onPreview(listener: (preview: ImageModel) => Promise<void> | void): void;
}

/**
 * Starts opening `source` and waits up to `waitMs` for it. An image from the store opens well within
 * that, so the UI's first frame can be the image itself: a Loading frame drawn first would hold the real
 * one back behind Ink's 30 fps throttle. A slower open (an archive to read) goes on in the background.
 * While a first look is being made (the open says so), the wait is `lookWaitMs` instead: drawn at 150 ms,
 * the Loading frame took the main thread's share of the two cores from the workers scanning the layers,
 * and the ~1 GB bench archive's first look came ~10 ms later (medians of 12 runs, 334 against 323 ms).
 */
export async function openBeforeFirstFrame(io: AppIo, source: string, waitMs: number, lookWaitMs = waitMs): Promise<PendingOpen> {
  let listener: ((p: IngestProgress) => void) | null = null;
  // What was said before anyone listened (a source still preparing says so once): told to the first listener.
  let last: IngestProgress | null = null;
  let model: ImageModel | null = null;
  let preview: ImageModel | null = null;
  let previewListener: ((m: ImageModel) => Promise<void> | void) | null = null;
  /** Moves the wait's end while it lasts: later, while a first look is coming. */
  let lookListener: ((coming: boolean) => void) | null = null;
  // The open waits for the first look to be drawn: by the listener that draws it, whenever that comes.
  let drawn: () => void = () => {};
  const promise = io
    .openImage(
      source,
      (p) => {
        last = p;
        listener?.(p);
      },
      (m) => {
        preview = m;
        const done = new Promise<void>((resolve) => (drawn = resolve));
        const drawing = previewListener?.(m);
        if (drawing) void drawing.then(drawn);
        return done;
      },
      (coming) => lookListener?.(coming),
    )
    .then((m) => (model = m));
  // Failures are the App's to report; here they only end the wait. So does a first look.
  let previewed: () => void = () => {};
  const firstLook = new Promise<void>((resolve) => (previewed = resolve));
  // Not drawn yet: the App's first frame will be the first look, and its listener says when it is drawn.
  previewListener = () => previewed();
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let waited: () => void = () => {};
  const deadline = new Promise<void>((resolve) => (waited = resolve));
  const waitUntil = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(waited, Math.max(0, started + ms - Date.now()));
  };
  lookListener = (coming) => waitUntil(coming ? lookWaitMs : waitMs);
  waitUntil(waitMs);
  await Promise.race([promise.catch(() => {}), firstLook, deadline]);
  previewListener = null;
  lookListener = null;
  clearTimeout(timer);
  return {
    get model() {
      return model;
    },
    get preview() {
      return preview;
    },
    promise,
    onProgress(l) {
      listener = l;
      if (last) l(last);
    },
    onPreview(l) {
      previewListener = l;
      const drawing = preview && !model ? l(preview) : null;
      if (drawing) void drawing.then(drawn);
      else drawn();
    },
  };
}
