import fs from 'node:fs';
import path from 'node:path';
import { FathomError } from '../errors.js';
import type { FileTypeName } from '../model/entry.js';
import type { ChangeKindLetter, ContainerChange } from '../model/change-feed.js';
import { explainConnectionError, type Engine } from './connection.js';

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  imageId: string;
  state: string;
  status: string;
  created: number;
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

interface InspectJson {
  Id: string;
  Name: string;
  Image: string;
  Config?: { Image?: string };
  State?: { Status?: string; ExitCode?: number };
  GraphDriver?: { Name?: string; Data?: Record<string, string> | null };
}

export async function listContainers(engine: Engine): Promise<ContainerSummary[]> {
  try {
    const list = await engine.docker.listContainers({ all: true });
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names?.[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      imageId: c.ImageID,
      state: c.State,
      status: c.Status,
      created: c.Created,
    }));
  } catch (e) {
    throw explainConnectionError(e, engine.endpoint);
  }
}

/** `docker ps -s` sizes for one container: costly for the engine, so asked for one at a time, lazily. */
export async function containerSizes(engine: Engine, id: string): Promise<{ sizeRw: number | null; sizeRootFs: number | null }> {
  const list = (await engine.docker.listContainers({ all: true, size: true, filters: JSON.stringify({ id: [id] }) })) as { Id: string; SizeRw?: number; SizeRootFs?: number }[];
  const c = list.find((x) => x.Id === id);
  return { sizeRw: c?.SizeRw ?? (c ? 0 : null), sizeRootFs: c?.SizeRootFs ?? null };
}

export function typeOfStats(st: fs.Stats): FileTypeName {
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'file';
}

/** Regular-file bytes under a directory of the upper dir (what the writable layer holds there). */
export function upperBytesBelow(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const p = path.join(dir, name);
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) total += upperBytesBelow(p);
    else if (st.isFile()) total += st.size;
  }
  return total;
}

/** Sizes and types from the overlay dirs: the upper dir for what exists, lower dirs for what was deleted. */
export function sizeFromOverlay(change: { path: string; kind: ChangeKindLetter }, upperDir: string, lowerDirs: string[]): ContainerChange {
  if (change.kind === 'D') {
    for (const lower of lowerDirs) {
      const st = fs.lstatSync(path.join(lower, change.path), { throwIfNoEntry: false });
      if (st) return { ...change, type: typeOfStats(st), sizeBytes: 0 };
    }
    return { ...change, type: null, sizeBytes: 0 };
  }
  const p = path.join(upperDir, change.path);
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return { ...change, type: null, sizeBytes: null };
  const type = typeOfStats(st);
  return { ...change, type, sizeBytes: type === 'dir' ? upperBytesBelow(p) : type === 'file' || type === 'symlink' ? st.size : 0 };
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
    return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { size: number; mode: number };
  } catch {
    return null;
  }
}

export interface SizingPlan {
  kind: 'upperdir' | 'archive-api' | 'none';
  upperDir: string | null;
  lowerDirs: string[];
}

export function planSizing(inspect: InspectJson): SizingPlan {
  const data = inspect.GraphDriver?.Data ?? {};
  const upper = data.UpperDir ?? null;
  const lowerDirs = (data.LowerDir ?? '').split(':').filter(Boolean);
  if (upper) {
    try {
      fs.accessSync(upper, fs.constants.R_OK);
      return { kind: 'upperdir', upperDir: upper, lowerDirs };
    } catch {
      /* not root on the engine's host: ask the engine */
    }
  }
  return { kind: 'archive-api', upperDir: upper, lowerDirs };
}

export async function sizeChanges(engine: Engine, id: string, raw: { Path: string; Kind: number }[], plan: SizingPlan): Promise<ContainerChange[]> {
  const letters: ChangeKindLetter[] = ['C', 'A', 'D'];
  const changes = raw.map((c) => ({ path: c.Path, kind: letters[c.Kind] ?? 'C' })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (plan.kind === 'upperdir') return changes.map((c) => sizeFromOverlay(c, plan.upperDir!, plan.lowerDirs));
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

export async function inspectContainer(engine: Engine, nameOrId: string): Promise<InspectJson> {
  try {
    return (await engine.docker.getContainer(nameOrId).inspect()) as InspectJson;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) throw new FathomError(`no such container: ${nameOrId} (engine at ${engine.endpoint.url})`);
    throw explainConnectionError(e, engine.endpoint);
  }
}

export async function rawChanges(engine: Engine, id: string): Promise<{ Path: string; Kind: number }[]> {
  try {
    return ((await engine.docker.getContainer(id).changes()) as { Path: string; Kind: number }[] | null) ?? [];
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) throw new FathomError(`container ${id.slice(0, 12)} was removed`);
    throw explainConnectionError(e, engine.endpoint);
  }
}

export async function containerReport(engine: Engine, nameOrId: string): Promise<ContainerReport> {
  const info = await inspectContainer(engine, nameOrId);
  const plan = planSizing(info);
  const [raw, sizes] = await Promise.all([rawChanges(engine, info.Id), containerSizes(engine, info.Id)]);
  const changes = await sizeChanges(engine, info.Id, raw, plan);
  const data = info.GraphDriver?.Data ?? {};
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config?.Image ?? info.Image,
    imageId: info.Image,
    state: info.State?.Status ?? 'unknown',
    sizeRwBytes: sizes.sizeRw,
    sizeRootFsBytes: sizes.sizeRootFs,
    graphDriver: {
      name: info.GraphDriver?.Name ?? 'unknown',
      lowerDir: data.LowerDir ?? null,
      upperDir: data.UpperDir ?? null,
      mergedDir: data.MergedDir ?? null,
      workDir: data.WorkDir ?? null,
    },
    sizesFrom: plan.kind,
    changes: changes as ContainerReport['changes'],
  };
}
