import type { ImageModel } from '../model/image-model.js';
import type { IngestProgress } from '../sources/types.js';
import type { AppIo } from './app-io.js';

/** An image open started before the UI's first frame. */
export interface PendingOpen {
  /** The model, once the open has succeeded. */
  readonly model: ImageModel | null;
  readonly promise: Promise<ImageModel>;
  /** Where progress goes from now on (the Loading screen, when the open outlasts the wait). */
  onProgress(listener: (p: IngestProgress) => void): void;
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
  const promise = io
    .openImage(source, (p) => {
      last = p;
      listener?.(p);
    })
    .then((m) => (model = m));
  let timer: NodeJS.Timeout | undefined;
  // Failures are the App's to report; here they only end the wait.
  await Promise.race([promise.catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
  clearTimeout(timer);
  return {
    get model() {
      return model;
    },
    promise,
    onProgress(l) {
      listener = l;
      if (last) l(last);
    },
  };
}
