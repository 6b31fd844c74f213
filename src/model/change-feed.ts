import type { FileTypeName } from './entry.js';

export type ChangeKindLetter = 'A' | 'C' | 'D';

/** One path of a container's writable layer, as `docker diff` reports it, with what fathom adds. */
export interface ContainerChange {
  path: string;
  kind: ChangeKindLetter;
  type: FileTypeName | null;
  sizeBytes: number | null;
}

/** A change as a live pane shows it: when it was first seen and when its size last moved. */
export interface LiveChange extends ContainerChange {
  firstSeen: number;
  lastChanged: number;
}

export interface FeedUpdate {
  appeared: LiveChange[];
  disappeared: LiveChange[];
  changed: LiveChange[];
  at: number;
}

export type FeedState = 'connecting' | 'live' | 'stopped' | 'disconnected' | 'gone' | 'error';

export interface FeedStatus {
  state: FeedState;
  /** What a person reads in the pane: "exited (0)", "disconnected, retrying in 2s", "container removed". */
  message: string;
}

export interface ContainerSizes {
  /** Read-only image layers (docker image inspect Size). */
  imageBytes: number;
  /** The writable layer (docker ps -s SizeRw). */
  writableBytes: number;
  /** Both (docker ps -s "virtual", SizeRootFs). */
  virtualBytes: number;
}

/**
 * A container's changes as they happen. The engine's watcher and the demo's simulated container both
 * implement it, so the same pane shows either.
 */
export interface ChangeFeed {
  readonly label: string;
  /** True for the demo's simulated container: the pane says so. */
  readonly simulated: boolean;
  snapshot(): LiveChange[];
  status(): FeedStatus;
  sizes(): ContainerSizes | null;
  /** Called with each update, or with null when only the status or sizes changed. Returns unsubscribe. */
  subscribe(listener: (update: FeedUpdate | null) => void): () => void;
  stop(): void;
}

export interface ChangeDiff {
  next: Map<string, LiveChange>;
  update: FeedUpdate;
}

/** What changed between two polls: new paths, gone paths, and paths whose kind, type or size moved. */
export function diffChanges(previous: ReadonlyMap<string, LiveChange>, current: readonly ContainerChange[], now: number, initial = false): ChangeDiff {
  const steps = diffChangesInSteps(previous, current, now, initial, Infinity);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * diffChanges, pausing after every `step` changes: a watcher lets the event loop run at each pause, so
 * diffing 50k changes (~100 ms) never holds keys and frames back for all of it. Nothing may change the
 * inputs between the steps.
 */
export function* diffChangesInSteps(previous: ReadonlyMap<string, LiveChange>, current: readonly ContainerChange[], now: number, initial: boolean, step: number): Generator<void, ChangeDiff> {
  const next = new Map<string, LiveChange>();
  const appeared: LiveChange[] = [];
  const changed: LiveChange[] = [];
  for (let i = 0; i < current.length; i++) {
    if (i > 0 && i % step === 0) yield;
    const c = current[i];
    const before = previous.get(c.path);
    if (!before) {
      // What was already there at the first look is not news: lastChanged 0 keeps it unhighlighted.
      const live: LiveChange = { path: c.path, kind: c.kind, type: c.type, sizeBytes: c.sizeBytes, firstSeen: now, lastChanged: initial ? 0 : now };
      next.set(c.path, live);
      appeared.push(live);
    } else if (before.kind !== c.kind || before.type !== c.type || before.sizeBytes !== c.sizeBytes) {
      const live: LiveChange = { path: c.path, kind: c.kind, type: c.type, sizeBytes: c.sizeBytes, firstSeen: before.firstSeen, lastChanged: now };
      next.set(c.path, live);
      changed.push(live);
    } else {
      next.set(c.path, before);
    }
  }
  const disappeared: LiveChange[] = [];
  for (const c of previous.values()) if (!next.has(c.path)) disappeared.push(c);
  return { next, update: { appeared, disappeared, changed, at: now } };
}
