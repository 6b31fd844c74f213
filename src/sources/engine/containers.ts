import fs from 'node:fs';
import path from 'node:path';
import { FathomError } from '../../errors.js';
import type { FileTypeName } from '../../model/entry.js';
import type { ChangeKindLetter, ContainerChange } from '../../model/change-feed.js';
import { explainConnectionError, onThisHost, type Engine } from './connection.js';
import { answerTo, changesAnswer, containerInspectAnswer, containerListAnswer, containerSizesAnswer, type ContainerInspectAnswer, type ContainerListAnswer, type PortAnswer } from './engine-answers.js';

/** A container as `docker ps -a` lists it. */
export interface ContainerSummary extends Omit<ContainerListAnswer, 'ports'> {
  /** As `docker ps` shows them: "0.0.0.0:8080->80/tcp, 443/tcp". */
  ports: string;
}

/** `docker ps`'s PORTS column from the API's Ports list. */
export function portsText(ports: readonly PortAnswer[] | undefined): string {
  const seen = new Set<string>();
  for (const p of ports ?? []) seen.add(p.PublicPort ? `${p.IP ?? ''}${p.IP ? ':' : ''}${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`);
  return [...seen].join(', ');
}

export interface GraphDriverInfo {
  name: string;
  lowerDir: string | null;
  upperDir: string | null;
  mergedDir: string | null;
  workDir: string | null;
}

/** What `fathom container NAME --json` prints. */
export interface ContainerReport {
  id: string;
  name: string;
  image: string;
  imageId: string;
  state: string;
  sizeRwBytes: number | null;
  sizeRootFsBytes: number | null;
  graphDriver: GraphDriverInfo;
  /** Where change sizes came from: the overlay upper dir, the engine's archive stat, or nowhere. */
  sizesFrom: 'upperdir' | 'archive-api' | 'none';
  changes: (ContainerChange & { kind: ChangeKindLetter })[];
}

export async function listContainers(engine: Engine): Promise<ContainerSummary[]> {
  let answer: unknown;
  try {
    answer = await engine.docker.listContainers({ all: true });
  } catch (e) {
    throw explainConnectionError(e, engine.endpoint);
  }
  return containerListAnswer(answer, answerTo(engine, 'GET /containers/json')).map(({ ports, ...c }) => ({ ...c, ports: portsText(ports) }));
}

/** `docker ps -s` sizes for one container: costly for the engine, so asked for one at a time, lazily. */
export async function containerSizes(engine: Engine, id: string): Promise<{ sizeRw: number | null; sizeRootFs: number | null }> {
  const answer: unknown = await engine.docker.listContainers({ all: true, size: true, filters: JSON.stringify({ id: [id] }) });
  return containerSizesAnswer(answer, answerTo(engine, 'GET /containers/json?size=1'), id);
}

export function typeOfStats(st: fs.Stats): FileTypeName {
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'file';
}

/** How long a synchronous stretch of sizing (the upper-dir walk, then the changes) may hold the event loop. */
const WALK_SLICE_MS = 8;

/** Lets timers, input and rendering run between the pieces of a long job on the main thread. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A pause to await often in a long loop: it yields to the loop once `sliceMs` have passed since the last. */
function timeSlices(sliceMs: number): { pause: () => Promise<void> | undefined; restart: () => void } {
  let sliceStart = performance.now();
  return {
    pause: () => {
      if (performance.now() - sliceStart < sliceMs) return undefined;
      return yieldToLoop().then(() => {
        sliceStart = performance.now();
      });
    },
    restart: () => {
      sliceStart = performance.now();
    },
  };
}

/**
 * One walk of the overlay upper dir: every path's type and size, and for each directory the regular
 * bytes beneath it. The stats are synchronous, in slices of WALK_SLICE_MS with the event loop let run
 * between them: an lstat from the page cache costs a few µs, the promise around an asynchronous one
 * several times that, and a 50k-file writable layer took ~0.9 s of main-thread CPU per poll that way.
 */
export async function walkUpperDir(upperDir: string): Promise<Map<string, { type: FileTypeName; size: number }>> {
  const out = new Map<string, { type: FileTypeName; size: number }>();
  const slices = timeSlices(WALK_SLICE_MS);
  // A path the container removed since the readdir, or one that can't be read, counts as nothing.
  const sizeOf = (rel: string) => {
    try {
      return fs.lstatSync(path.join(upperDir, rel), { throwIfNoEntry: false })?.size ?? 0;
    } catch {
      return 0;
    }
  };
  const visit = async (rel: string): Promise<number> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(path.join(upperDir, rel), { withFileTypes: true });
    } catch {
      return 0;
    }
    slices.restart();
    let total = 0;
    const dirs: string[] = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) dirs.push(child);
      else if (e.isFile()) {
        const size = sizeOf(child);
        out.set(child, { type: 'file', size });
        total += size;
      } else if (e.isSymbolicLink()) {
        out.set(child, { type: 'symlink', size: sizeOf(child) }); // a symlink's size is its target's length, as on disk
      } else {
        out.set(child, { type: e.isCharacterDevice() ? 'char' : e.isBlockDevice() ? 'block' : e.isFIFO() ? 'fifo' : 'file', size: 0 });
      }
      if ((i & 63) === 63) await slices.pause();
    }
    for (const d of dirs) {
      const below = await visit(d);
      out.set(d, { type: 'dir', size: below });
      total += below;
    }
    return total;
  };
  await visit('');
  return out;
}

/** Types and sizes for changes from the overlay dirs: the upper dir for what exists, lower dirs for what was deleted. */
export async function sizeFromOverlay(changes: { path: string; kind: ChangeKindLetter }[], upperDir: string, lowerDirs: string[]): Promise<ContainerChange[]> {
  const upper = await walkUpperDir(upperDir);
  const slices = timeSlices(WALK_SLICE_MS);
  const out: ContainerChange[] = [];
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i];
    if ((i & 255) === 255) await slices.pause();
    if (c.kind === 'D') {
      let type: FileTypeName | null = null;
      for (const lower of lowerDirs) {
        const st = await fs.promises.lstat(path.join(lower, c.path)).catch(() => null);
        if (st) {
          type = typeOfStats(st);
          break;
        }
      }
      out.push({ path: c.path, kind: c.kind, type, sizeBytes: 0 });
      continue;
    }
    const u = upper.get(c.path);
    out.push({ path: c.path, kind: c.kind, type: u?.type ?? null, sizeBytes: u ? u.size : null });
  }
  return out;
}

/** Go's os.FileMode bits, as the engine's archive stat reports them. */
export function typeOfGoMode(mode: number): FileTypeName {
  const m = mode >>> 0;
  if (m & 0x80000000) return 'dir';
  if (m & (1 << 27)) return 'symlink';
  if (m & (1 << 26)) return m & (1 << 21) ? 'char' : 'block';
  if (m & (1 << 25)) return 'fifo';
  return 'file';
}

/** Above this many changes the per-path archive stat is too slow to be worth it. */
const API_STAT_LIMIT = 2000;

async function statThroughApi(engine: Engine, id: string, p: string): Promise<{ size: number; mode: number } | null> {
  try {
    const res = (await engine.docker.getContainer(id).infoArchive({ path: p })) as { headers?: Record<string, string>; resume?: () => void };
    res.resume?.();
    const header = res.headers?.['x-docker-container-path-stat'];
    if (!header) return null;
    const stat = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { size?: unknown; mode?: unknown } | null;
    // A stat of another shape is no stat: the change is listed without a size, as when there is none.
    if (typeof stat?.size !== 'number' || typeof stat.mode !== 'number' || !(stat.size >= 0)) return null;
    return { size: stat.size, mode: stat.mode };
  } catch {
    return null;
  }
}

export interface SizingPlan {
  kind: 'upperdir' | 'archive-api' | 'none';
  upperDir: string | null;
  lowerDirs: string[];
}

/**
 * Where change sizes come from: the overlay upper dir when it can be read here, else the engine's
 * archive stat. The dirs are the engine's paths on its own host: read only for an engine on this one.
 */
export function planSizing(inspect: ContainerInspectAnswer, engine: Engine): SizingPlan {
  const data = inspect.graphDriver.data;
  const upper = data.UpperDir ?? null;
  const lowerDirs = (data.LowerDir ?? '').split(':').filter(Boolean);
  if (upper && onThisHost(engine.endpoint)) {
    try {
      fs.accessSync(upper, fs.constants.R_OK);
      return { kind: 'upperdir', upperDir: upper, lowerDirs };
    } catch {
      /* not root on the engine's host: ask the engine */
    }
  }
  return { kind: 'archive-api', upperDir: upper, lowerDirs };
}

/** Each change with its type and size; `changes` sorted by path, as rawChanges gives them. */
export async function sizeChanges(engine: Engine, id: string, changes: { path: string; kind: ChangeKindLetter }[], plan: SizingPlan): Promise<ContainerChange[]> {
  if (plan.kind === 'upperdir') return sizeFromOverlay(changes, plan.upperDir!, plan.lowerDirs);
  if (changes.length > API_STAT_LIMIT) return changes.map((c) => ({ ...c, type: null, sizeBytes: c.kind === 'D' ? 0 : null }));
  const out: ContainerChange[] = [];
  for (const c of changes) {
    if (c.kind === 'D') {
      out.push({ ...c, type: null, sizeBytes: 0 });
      continue;
    }
    const st = await statThroughApi(engine, id, c.path);
    const type = st ? typeOfGoMode(st.mode) : null;
    out.push({ ...c, type, sizeBytes: st && type !== 'dir' ? st.size : null });
  }
  return out;
}

export async function inspectContainer(engine: Engine, nameOrId: string): Promise<ContainerInspectAnswer> {
  let answer: unknown;
  try {
    answer = await engine.docker.getContainer(nameOrId).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) throw new FathomError(`no such container: ${nameOrId} (engine at ${engine.endpoint.url})`);
    throw explainConnectionError(e, engine.endpoint);
  }
  return containerInspectAnswer(answer, answerTo(engine, `GET /containers/${nameOrId}/json`));
}

/** What `docker diff` lists: each changed path and how (C, A, D), sorted by path. */
export async function rawChanges(engine: Engine, id: string): Promise<{ path: string; kind: ChangeKindLetter }[]> {
  let answer: unknown;
  try {
    answer = await engine.docker.getContainer(id).changes();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) throw new FathomError(`container ${id.slice(0, 12)} was removed`);
    throw explainConnectionError(e, engine.endpoint);
  }
  const where = answerTo(engine, `GET /containers/${id.slice(0, 12)}/changes`);
  // An unchanged container answers `null`, which dockerode passes on as raw bytes.
  let parsed: unknown = answer;
  if (Buffer.isBuffer(answer)) {
    try {
      parsed = JSON.parse(answer.toString('utf8').trim() || 'null');
    } catch {
      throw new FathomError(`${where}: not JSON`);
    }
  }
  return changesAnswer(parsed, where).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export async function containerReport(engine: Engine, nameOrId: string): Promise<ContainerReport> {
  const info = await inspectContainer(engine, nameOrId);
  const plan = planSizing(info, engine);
  const [raw, sizes] = await Promise.all([rawChanges(engine, info.id), containerSizes(engine, info.id)]);
  const changes = await sizeChanges(engine, info.id, raw, plan);
  const data = info.graphDriver.data;
  return {
    id: info.id,
    name: info.name,
    image: info.imageRef,
    imageId: info.image,
    state: info.state,
    sizeRwBytes: sizes.sizeRw,
    sizeRootFsBytes: sizes.sizeRootFs,
    graphDriver: {
      name: info.graphDriver.name,
      lowerDir: data.LowerDir ?? null,
      upperDir: data.UpperDir ?? null,
      mergedDir: data.MergedDir ?? null,
      workDir: data.WorkDir ?? null,
    },
    sizesFrom: plan.kind,
    changes: changes as ContainerReport['changes'],
  };
}
