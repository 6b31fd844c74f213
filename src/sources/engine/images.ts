import { normalizeRef } from '../verify.js';
import { explainConnectionError, type Engine } from './connection.js';
import { answerTo, dfImagesAnswer, imageListAnswer } from './engine-answers.js';

/** An image as `docker system df -v` describes it. */
export interface EngineImage {
  id: string;
  repoTags: string[];
  /** Unix seconds. */
  created: number;
  sizeBytes: number;
  /** Bytes in layers other images use too. */
  sharedBytes: number;
  /** Bytes only this image has (what removing it frees). */
  uniqueBytes: number;
  containers: number;
  dangling: boolean;
}

export async function listEngineImages(engine: Engine): Promise<EngineImage[]> {
  let answers: [unknown, unknown];
  try {
    answers = (await Promise.all([engine.docker.df(), engine.docker.listImages()])) as [unknown, unknown];
  } catch (e) {
    throw explainConnectionError(e, engine.endpoint);
  }
  const df = dfImagesAnswer(answers[0], answerTo(engine, 'GET /system/df'));
  const listed = imageListAnswer(answers[1], answerTo(engine, 'GET /images/json'));
  // The image list's tags: podman 4's /system/df names only the tag ("latest"), not the repository.
  const tagsById = new Map(listed.map((i) => [i.id, i.repoTags]));
  return df
    .map((i) => {
      const tags = tagsById.get(i.id) ?? i.repoTags;
      const shared = i.sharedBytes;
      return {
        id: i.id,
        repoTags: tags.map(normalizeRef),
        created: i.created,
        sizeBytes: i.sizeBytes,
        sharedBytes: shared,
        uniqueBytes: i.sizeBytes - shared,
        containers: i.containers,
        dangling: tags.length === 0,
      };
    })
    .sort((a, b) => b.created - a.created);
}

const IMAGE_EVENTS = new Set(['delete', 'tag', 'untag', 'load', 'import', 'pull', 'build', 'create', 'destroy', 'prune', 'commit']);

/**
 * The engine's image list kept fresh: re-read (debounced) whenever the event stream says an image or
 * container came or went. Listeners get the new list; errors become a status line, never a throw.
 */
export class EngineImageList {
  private images: EngineImage[] = [];
  private error: string | null = null;
  private readonly listeners = new Set<() => void>();
  private stream: NodeJS.ReadableStream | null = null;
  private pending: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly engine: Engine) {}

  list(): EngineImage[] {
    return this.images;
  }
  problem(): string | null {
    return this.error;
  }
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<this> {
    await this.follow();
    await this.refresh();
    return this;
  }

  stop(): void {
    this.stopped = true;
    if (this.pending) clearTimeout(this.pending);
    (this.stream as { destroy?: () => void } | null)?.destroy?.();
  }

  async refresh(): Promise<void> {
    try {
      this.images = await listEngineImages(this.engine);
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    }
    for (const l of this.listeners) l();
  }

  /** Resolves once the event stream is connected (or could not be), so no event after start() is missed. */
  private follow(): Promise<void> {
    return new Promise((resolve) => this.engine.docker.getEvents({ filters: { type: ['image', 'container'] } }, (err, stream) => {
      resolve();
      if (err || !stream || this.stopped) return;
      this.stream = stream;
      stream.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (!line.trim()) continue;
          try {
            const ev = JSON.parse(line) as { Action?: string; status?: string };
            if (IMAGE_EVENTS.has(ev.Action ?? ev.status ?? '')) this.soon();
          } catch {
            this.soon();
          }
        }
      });
      const reconnect = () => {
        this.stream = null;
        if (!this.stopped) setTimeout(() => void this.follow(), 2000).unref();
      };
      stream.on('error', reconnect);
      stream.on('end', reconnect);
    }));
  }

  /** Several events arrive per `docker build`; one re-read covers them. */
  private soon(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      void this.refresh();
    }, 150);
    this.pending.unref?.();
  }
}
