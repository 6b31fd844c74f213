import fs from 'node:fs';
import { FathomError } from '../../errors.js';
import { diffChangesInSteps, type ChangeFeed, type ContainerSizes, type FeedStatus, type FeedUpdate, type LiveChange } from '../../model/change-feed.js';
import { isConnectionError, type Engine } from './connection.js';
import { containerSizes, inspectContainer, planSizing, rawChanges, sizeChanges, yieldToLoop, type SizingPlan } from './containers.js';

/** Changes diffed between two turns of the event loop (~10 ms of work). */
const DIFF_STEP = 5000;

/** A recursive inotify watch over a bigger writable layer costs more than the latency it saves. */
const MAX_CHANGES_FOR_INOTIFY = 20_000;

export interface WatchOptions {
  /** Poll interval; the default matches `docker diff` run once a second. */
  intervalMs?: number;
  /** How often to ask for `docker ps -s` sizes (costly for the engine). */
  sizesEveryMs?: number;
  /** What to call the container until the engine has answered (e.g. the name a list showed). */
  label?: string;
}

/**
 * Watches one container's writable layer: polls its changes, reports only what moved since the last
 * poll (with first-seen times), follows start/stop/destroy from the engine's event stream, and rides out
 * a daemon restart ("disconnected, retrying") without throwing.
 */
export class ContainerWatcher implements ChangeFeed {
  readonly simulated = false;
  label: string;
  private id: string | null = null;
  private plan: SizingPlan | null = null;
  private current = new Map<string, LiveChange>();
  private currentStatus: FeedStatus = { state: 'connecting', message: 'connecting…' };
  private currentSizes: ContainerSizes | null = null;
  private readonly listeners = new Set<(u: FeedUpdate | null) => void>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private polls = 0;
  private pollAgain = false;
  private stopped = false;
  private lastSizesAt = 0;
  private failures = 0;
  private events: NodeJS.ReadableStream | null = null;
  private upperWatch: fs.FSWatcher | null = null;
  private nudgeTimer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly sizesEveryMs: number;

  constructor(
    private readonly engine: Engine,
    private readonly nameOrId: string,
    opts: WatchOptions = {},
  ) {
    this.label = opts.label ?? nameOrId;
    this.intervalMs = opts.intervalMs ?? 1000;
    this.sizesEveryMs = opts.sizesEveryMs ?? 5000;
  }

  snapshot(): LiveChange[] {
    return [...this.current.values()];
  }
  status(): FeedStatus {
    return this.currentStatus;
  }
  sizes(): ContainerSizes | null {
    return this.currentSizes;
  }
  subscribe(listener: (u: FeedUpdate | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts polling; the first poll runs at once. */
  start(): this {
    void this.tick();
    return this;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    (this.events as { destroy?: () => void } | null)?.destroy?.();
    this.events = null;
    this.upperWatch?.close();
    this.upperWatch = null;
    if (this.nudgeTimer) clearTimeout(this.nudgeTimer);
  }

  /** Resolves once the first poll has completed (for callers that want a full first snapshot). */
  async ready(timeoutMs = 10_000): Promise<void> {
    const start = Date.now();
    while (this.currentStatus.state === 'connecting' && Date.now() - start < timeoutMs) await new Promise((r) => setTimeout(r, 20));
  }

  private emit(update: FeedUpdate | null): void {
    for (const l of this.listeners) l(update);
  }

  private setStatus(status: FeedStatus): void {
    if (status.state === this.currentStatus.state && status.message === this.currentStatus.message) return;
    if (this.currentStatus.state === 'gone') return; // removed is final: nothing late may undo it
    this.currentStatus = status;
    this.emit(null);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.polling) {
      this.pollAgain = true; // a nudge during a poll: its change may have missed this snapshot
      return;
    }
    this.polling = true;
    this.pollAgain = false;
    try {
      await this.poll();
      this.failures = 0;
      this.schedule(this.pollAgain ? 0 : this.intervalMs);
    } catch (e) {
      if (e instanceof FathomError && /was removed|no such container/.test(e.message)) {
        this.setStatus({ state: 'gone', message: 'container removed' });
        this.stop();
      } else {
        this.failures++;
        const retryIn = Math.min(1000 * 2 ** (this.failures - 1), 5000);
        this.setStatus({ state: 'disconnected', message: `disconnected, retrying in ${Math.round(retryIn / 1000)}s (${(e as Error).message})` });
        this.events = null;
        this.schedule(retryIn);
      }
    } finally {
      this.polling = false;
    }
  }

  private async poll(): Promise<void> {
    const info = await inspectContainer(this.engine, this.id ?? this.nameOrId);
    if (!this.id) {
      this.id = info.id;
      this.label = info.name;
      this.plan = planSizing(info, this.engine);
    }
    if (!this.events) this.followEvents();
    const raw = await rawChanges(this.engine, this.id);
    if (this.plan?.kind === 'upperdir' && !this.upperWatch && raw.length < MAX_CHANGES_FOR_INOTIFY) this.watchUpperDir(this.plan.upperDir!);
    const sized = await sizeChanges(this.engine, this.id, raw, this.plan!);
    // Stopped while this poll was out (the container removed, seen on the event stream): its snapshot is
    // from before, and must not bring the watcher back to life.
    if (this.stopped) return;
    // Diffing 50k changes takes ~100 ms: keys and frames get in between its steps.
    const steps = diffChangesInSteps(this.current, sized, Date.now(), this.polls++ === 0, DIFF_STEP);
    let step = steps.next();
    while (!step.done) {
      await yieldToLoop();
      if (this.stopped) return;
      step = steps.next();
    }
    const { next, update } = step.value;
    this.current = next;
    const state = info.state;
    this.setStatus({ state: 'live', message: state === 'exited' ? `exited (${info.exitCode ?? '?'})` : state });
    if (Date.now() - this.lastSizesAt >= this.sizesEveryMs) {
      this.lastSizesAt = Date.now();
      void containerSizes(this.engine, this.id).then(
        (s) => {
          if (s.sizeRw === null || s.sizeRootFs === null) return;
          this.currentSizes = { writableBytes: s.sizeRw, virtualBytes: s.sizeRootFs, imageBytes: s.sizeRootFs - s.sizeRw };
          this.emit(null);
        },
        () => {},
      );
    }
    if (update.appeared.length || update.disappeared.length || update.changed.length) this.emit(update);
  }

  /**
   * Writes inside the container land in the overlay upper dir, where inotify sees them within
   * milliseconds: each one brings the next poll forward, so a change shows well inside the interval.
   */
  private watchUpperDir(upperDir: string): void {
    try {
      this.upperWatch = fs.watch(upperDir, { recursive: true, persistent: false }, () => this.nudge());
      this.upperWatch.on('error', () => {
        this.upperWatch?.close();
      });
    } catch {
      this.upperWatch = null; // polling alone still tells the truth
    }
  }

  private nudge(): void {
    if (this.stopped || this.nudgeTimer) return;
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = null;
      if (this.timer) clearTimeout(this.timer);
      void this.tick();
    }, 40);
    this.nudgeTimer.unref?.();
  }

  /** start/stop/destroy arrive as events, so the pane changes state without waiting for a poll. */
  private followEvents(): void {
    if (!this.id) return;
    this.engine.docker.getEvents({ filters: { container: [this.id], type: ['container'] } }, (err, stream) => {
      if (err || !stream || this.stopped) return;
      this.events = stream;
      let buffered = '';
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          try {
            const ev = JSON.parse(line) as { status?: string; Action?: string };
            const action = ev.Action ?? ev.status ?? '';
            if (action === 'destroy') {
              this.setStatus({ state: 'gone', message: 'container removed' });
              this.stop();
            } else if (action === 'die' || action === 'stop') this.setStatus({ state: 'stopped', message: 'stopped' });
            else if (action === 'start' || action === 'restart') {
              this.setStatus({ state: 'live', message: 'running' });
              void this.tick();
            }
          } catch {
            /* a partial or foreign line: the next poll tells the truth anyway */
          }
        }
      });
      stream.on('error', (e: unknown) => {
        if (isConnectionError(e)) this.events = null;
      });
      stream.on('end', () => {
        this.events = null;
      });
    });
  }
}
