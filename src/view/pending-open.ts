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
  /** Where a first look goes, if one comes after the wait. */
  onPreview(listener: (preview: ImageModel) => void): void;
}

/**
 * Starts opening `source` and waits up to `waitMs` for it. An image from the store opens well within
 * that, so the UI's first frame can be the image itself: a Loading frame drawn first would hold the real
 * one back behind Ink's 30 fps throttle. A slower open (an archive to read) goes on in the background.
 */
export async function openBeforeFirstFrame(io: AppIo, source: string, waitMs: number): Promise<PendingOpen> {
  let listener: ((p: IngestProgress) => void) | null = null;
  // What was said before anyone listened (a source still preparing says so once): told to the first listener.
  let last: IngestProgress | null = null;
  let model: ImageModel | null = null;
  let preview: ImageModel | null = null;
  let previewListener: ((m: ImageModel) => void) | null = null;
  const promise = io
    .openImage(
      source,
      (p) => {
        last = p;
        listener?.(p);
      },
      (m) => {
        preview = m;
        previewListener?.(m);
      },
    )
    .then((m) => (model = m));
  let timer: NodeJS.Timeout | undefined;
  // Failures are the App's to report; here they only end the wait. So does a first look.
  let previewed: () => void = () => {};
  const firstLook = new Promise<void>((resolve) => (previewed = resolve));
  previewListener = () => previewed();
  await Promise.race([promise.catch(() => {}), firstLook, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
  previewListener = null;
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
      if (preview && !model) l(preview);
    },
  };
}
