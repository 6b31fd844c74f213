import { FathomError } from '../../errors.js';
import { booleanAt, listAt, numberAt, objectAt, optional, stringAt, stringListAt } from '../json-shape.js';
import type { Engine } from './connection.js';

/**
 * The engine's answers, checked for the shape fathom reads before anything reads them: an engine is
 * whatever answers at DOCKER_HOST (a remote host, a proxy, another implementation of the API), and a
 * field of the wrong type must be one line naming the request and the field, not "cannot read
 * properties of undefined" from deep inside a pane.
 */

/** "docker engine at unix:///run/docker.sock: GET /images/json". */
export function answerTo(engine: Engine, request: string): string {
  return `${engine.endpoint.kind} engine at ${engine.endpoint.url}: its answer to ${request}`;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const BARE_ID = /^[0-9a-f]{64}$/;

/** An image ID as Docker ("sha256:…") or podman's /system/df (bare hex) gives it, always as a digest. */
function imageIdAt(v: unknown, where: string, field: string): string {
  const id = stringAt(v, where, field);
  if (DIGEST.test(id)) return id;
  if (BARE_ID.test(id)) return `sha256:${id}`;
  throw new FathomError(`${where}: ${field} ${JSON.stringify(id)} is not an image ID`);
}

/** A container ID: 64 hex digits for both engines (it is put into request paths). */
function containerIdAt(v: unknown, where: string, field: string): string {
  const id = stringAt(v, where, field);
  if (!BARE_ID.test(id)) throw new FathomError(`${where}: ${field} ${JSON.stringify(id)} is not a container ID`);
  return id;
}

function tagsAt(v: unknown, where: string, field: string): string[] {
  return (optional(v, stringListAt, where, field) ?? []).filter((t) => t !== '<none>:<none>');
}

/** A whole number of at least `least` (a size, a count, seconds since the epoch, a port). */
function wholeAt(v: unknown, where: string, field: string, least = 0, most = Number.MAX_SAFE_INTEGER): number {
  const n = numberAt(v, where, field);
  if (!Number.isSafeInteger(n) || n < least || n > most) throw new FathomError(`${where}: ${field} is ${n}, not a whole number from ${least} to ${most === Number.MAX_SAFE_INTEGER ? '2^53' : most}`);
  return n;
}

/** A count or a size the engine may leave out or give as -1 ("not computed"): 0 then. */
function countAt(v: unknown, where: string, field: string): number {
  if (v === undefined || v === null || v === -1) return 0;
  return wholeAt(v, where, field);
}

/**
 * A creation time in seconds since the epoch, 0 where the engine has none: dockerd gives Go's zero time
 * (-62135596800, the year 1) for an image whose config names no date (`docker import`, some builders).
 */
function createdAt(v: unknown, where: string, field: string): number {
  if (v === undefined || v === null) return 0;
  return Math.max(0, wholeAt(v, where, field, GO_ZERO_TIME));
}

/** Go's time.Time{} in Unix seconds. */
const GO_ZERO_TIME = -62135596800;

const PORT_MAX = 65535;

/** Each object of a list the answer is (or holds at `field`), read with the field path it is at ("Images[3]"). */
function eachOf<T>(v: unknown, where: string, field: string, read: (item: Record<string, unknown>, at: string) => T): T[] {
  return listAt(v, where, field || 'the answer').map((item, i) => read(objectAt(item, where, `${field}[${i}]`), `${field}[${i}]`));
}

/** GET /images/{name}/json: what an image open needs. */
export interface ImageInspectAnswer {
  id: string;
  repoTags: string[];
  diffIds: string[];
  sizeBytes: number;
}

export function imageInspectAnswer(v: unknown, where: string): ImageInspectAnswer {
  const o = objectAt(v, where, 'the answer');
  const rootFs = optional(o.RootFS, objectAt, where, 'RootFS');
  const diffIds = optional(rootFs?.Layers, stringListAt, where, 'RootFS.Layers') ?? [];
  diffIds.forEach((d, i) => {
    if (!DIGEST.test(d)) throw new FathomError(`${where}: RootFS.Layers[${i}] ${JSON.stringify(d)} is not a sha256 digest`);
  });
  return { id: imageIdAt(o.Id, where, 'Id'), repoTags: tagsAt(o.RepoTags, where, 'RepoTags'), diffIds, sizeBytes: countAt(o.Size, where, 'Size') };
}

/** GET /images/json: each image's tags. */
export function imageListAnswer(v: unknown, where: string): { id: string; repoTags: string[] }[] {
  return eachOf(v, where, '', (o, at) => ({ id: imageIdAt(o.Id, where, `${at}.Id`), repoTags: tagsAt(o.RepoTags, where, `${at}.RepoTags`) }));
}

/** One image of GET /system/df. */
export interface DfImageAnswer {
  id: string;
  repoTags: string[];
  created: number;
  sizeBytes: number;
  sharedBytes: number;
  containers: number;
}

export function dfImagesAnswer(v: unknown, where: string): DfImageAnswer[] {
  const o = objectAt(v, where, 'the answer');
  if (o.Images === undefined || o.Images === null) return [];
  return eachOf(o.Images, where, 'Images', (i, at) => ({
    id: imageIdAt(i.Id, where, `${at}.Id`),
    repoTags: tagsAt(i.RepoTags, where, `${at}.RepoTags`),
    created: createdAt(i.Created, where, `${at}.Created`),
    sizeBytes: countAt(i.Size, where, `${at}.Size`),
    sharedBytes: countAt(i.SharedSize, where, `${at}.SharedSize`),
    containers: countAt(i.Containers, where, `${at}.Containers`),
  }));
}

/** One container of GET /containers/json. */
export interface ContainerListAnswer {
  id: string;
  name: string;
  image: string;
  imageId: string;
  state: string;
  status: string;
  created: number;
  ports: PortAnswer[];
}

/** One published or exposed port of a container. */
export interface PortAnswer {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

export function containerListAnswer(v: unknown, where: string): ContainerListAnswer[] {
  return eachOf(v, where, '', (c, at) => ({
    id: containerIdAt(c.Id, where, `${at}.Id`),
    name: (optional(c.Names, stringListAt, where, `${at}.Names`)?.[0] ?? '').replace(/^\//, ''),
    image: optional(c.Image, stringAt, where, `${at}.Image`) ?? '',
    imageId: optional(c.ImageID, stringAt, where, `${at}.ImageID`) ?? '',
    state: optional(c.State, stringAt, where, `${at}.State`) ?? 'unknown',
    status: optional(c.Status, stringAt, where, `${at}.Status`) ?? '',
    created: createdAt(c.Created, where, `${at}.Created`),
    ports: (optional(c.Ports, listAt, where, `${at}.Ports`) ?? []).map((p, n) => {
      const port = objectAt(p, where, `${at}.Ports[${n}]`);
      const field = (name: string) => `${at}.Ports[${n}].${name}`;
      return {
        IP: optional(port.IP, stringAt, where, field('IP')),
        PrivatePort: wholeAt(port.PrivatePort, where, field('PrivatePort'), 0, PORT_MAX),
        PublicPort: optional(port.PublicPort, (p, w, f) => wholeAt(p, w, f, 0, PORT_MAX), where, field('PublicPort')),
        Type: stringAt(port.Type, where, field('Type')),
      };
    }),
  }));
}

/** GET /containers/json?size=1 for one container: `docker ps -s`'s sizes, null where the engine gave none. */
export function containerSizesAnswer(v: unknown, where: string, id: string): { sizeRw: number | null; sizeRootFs: number | null } {
  const listed = listAt(v, where, 'the answer');
  for (const [i, item] of listed.entries()) {
    const c = objectAt(item, where, `[${i}]`);
    if (c.Id !== id) continue;
    return { sizeRw: countAt(c.SizeRw, where, `[${i}].SizeRw`), sizeRootFs: c.SizeRootFs === undefined || c.SizeRootFs === null ? null : countAt(c.SizeRootFs, where, `[${i}].SizeRootFs`) };
  }
  return { sizeRw: null, sizeRootFs: null };
}

/** GET /containers/{id}/json: what the container views read. */
export interface ContainerInspectAnswer {
  id: string;
  name: string;
  image: string;
  /** The reference it was created from (Config.Image), else the image ID. */
  imageRef: string;
  state: string;
  exitCode: number | null;
  tty: boolean;
  graphDriver: { name: string; data: Record<string, string> };
}

export function containerInspectAnswer(v: unknown, where: string): ContainerInspectAnswer {
  const o = objectAt(v, where, 'the answer');
  const config = optional(o.Config, objectAt, where, 'Config');
  const state = optional(o.State, objectAt, where, 'State');
  const driver = optional(o.GraphDriver, objectAt, where, 'GraphDriver');
  const rawData = optional(driver?.Data, objectAt, where, 'GraphDriver.Data') ?? {};
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawData)) data[key] = stringAt(value, where, `GraphDriver.Data.${key}`);
  const image = optional(o.Image, stringAt, where, 'Image') ?? '';
  return {
    id: containerIdAt(o.Id, where, 'Id'),
    name: (optional(o.Name, stringAt, where, 'Name') ?? '').replace(/^\//, ''),
    image,
    imageRef: optional(config?.Image, stringAt, where, 'Config.Image') ?? image,
    state: optional(state?.Status, stringAt, where, 'State.Status') ?? 'unknown',
    exitCode: optional(state?.ExitCode, (n, w, f) => wholeAt(n, w, f, -(2 ** 31), 2 ** 31), where, 'State.ExitCode') ?? null,
    tty: optional(config?.Tty, booleanAt, where, 'Config.Tty') ?? false,
    graphDriver: { name: optional(driver?.Name, stringAt, where, 'GraphDriver.Name') ?? 'unknown', data },
  };
}

/** GET /containers/{id}/changes (`null` for an unchanged container): each path and what happened to it. */
export function changesAnswer(v: unknown, where: string): { path: string; kind: 'C' | 'A' | 'D' }[] {
  if (v === null) return [];
  const letters = ['C', 'A', 'D'] as const;
  return eachOf(v, where, '', (c, at) => {
    const kind = numberAt(c.Kind, where, `${at}.Kind`);
    if (kind !== 0 && kind !== 1 && kind !== 2) throw new FathomError(`${where}: ${at}.Kind is ${kind}, not 0, 1 or 2`);
    const path = stringAt(c.Path, where, `${at}.Path`);
    // The container's own paths, from its root: anything else is no path of it.
    if (!path.startsWith('/') || path.includes('\0')) throw new FathomError(`${where}: ${at}.Path ${JSON.stringify(path)} is not an absolute path`);
    return { path, kind: letters[kind] };
  });
}

/** GET /info: where the engine keeps its layers. */
export interface EngineInfoAnswer {
  dataRoot: string | null;
  driver: string | null;
  driverStatus: [string, string][];
}

export function engineInfoAnswer(v: unknown, where: string): EngineInfoAnswer {
  const o = objectAt(v, where, 'the answer');
  const status = (optional(o.DriverStatus, listAt, where, 'DriverStatus') ?? []).map((pair, i) => {
    const [key, value] = stringListAt(pair, where, `DriverStatus[${i}]`);
    return [key ?? '', value ?? ''] as [string, string];
  });
  return { dataRoot: optional(o.DockerRootDir, stringAt, where, 'DockerRootDir') ?? null, driver: optional(o.Driver, stringAt, where, 'Driver') ?? null, driverStatus: status };
}
