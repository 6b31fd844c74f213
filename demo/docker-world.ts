import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import tar from 'tar-stream';
import { FathomError } from '../src/errors.js';
import { ImageModel } from '../src/model/image-model.js';
import { openImage } from '../src/open-image.js';
import { engineSource } from '../src/sources/engine/engine-source.js';
import { ContainerWatcher } from '../src/sources/engine/container-watch.js';
import { ping, type Engine } from '../src/sources/engine/connection.js';
import type { LayerStore } from '../store/store.js';
import type { ChangeFeed } from '../src/model/change-feed.js';
import type { ContainerDetail } from '../src/view/app-io.js';
import { DEMO_TIME } from './build.js';
import { actionsUpTo, allContainerActions, type ContainerAction } from './tour.js';
import type { DemoWorld } from './world.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** demo/dockerfiles, from the sources or from dist/. */
function dockerfilesDir(): string {
  for (const candidate of [path.join(here, 'dockerfiles'), path.resolve(here, '../demo/dockerfiles'), path.resolve(here, '../../demo/dockerfiles')]) if (fs.existsSync(candidate)) return candidate;
  throw new FathomError('demo --docker: demo/dockerfiles is missing from this installation');
}

const BASE = 'fathom-demo/base:1';
/** The tour's image names, as the engine tags them. */
export const ENGINE_NAMES: Record<string, { dockerfile: string; context?: string; tag: string }> = {
  'demo/filex:1': { dockerfile: 'filex', tag: 'fathom-demo/filex:1' },
  'demo/filey:1': { dockerfile: 'filey', tag: 'fathom-demo/filey:1' },
  'demo/bigfile:1': { dockerfile: 'bigfile', tag: 'fathom-demo/bigfile:1' },
  'demo/whiteouts:1': { dockerfile: 'whiteouts', tag: 'fathom-demo/whiteouts:1' },
  'demo/metadata:1': { dockerfile: 'metadata', tag: 'fathom-demo/metadata:1' },
  'demo/cache-good:v1': { dockerfile: 'cache-good', context: 'app-v1', tag: 'fathom-demo/cache-good:v1' },
  'demo/cache-good:v2': { dockerfile: 'cache-good', context: 'app-v2', tag: 'fathom-demo/cache-good:v2' },
  'demo/cache-bad:v1': { dockerfile: 'cache-bad', context: 'app-v1', tag: 'fathom-demo/cache-bad:v1' },
  'demo/cache-bad:v2': { dockerfile: 'cache-bad', context: 'app-v2', tag: 'fathom-demo/cache-bad:v2' },
};

async function tarOf(files: { name: string; body?: Buffer; mode?: number; type?: 'directory' | 'symlink'; linkname?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const f of files) {
    const header = { name: f.name, mode: f.mode ?? 0o644, type: f.type, linkname: f.linkname, mtime: DEMO_TIME, uid: 0, gid: 0 };
    if (f.body) pack.entry(header, f.body);
    else pack.entry(header);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function follow(engine: Engine, stream: NodeJS.ReadableStream, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    engine.docker.modem.followProgress(stream, (err: Error | null, output: { error?: string; errorDetail?: { message?: string } }[]) => {
      const failed = err?.message ?? output?.find((o) => o.error)?.error;
      if (failed) reject(new FathomError(`demo --docker: ${what}: ${failed.trim()}`));
      else resolve();
    }),
  );
}

/** The base image: a busybox-static root filesystem, `docker import`ed (no registry needed). */
async function ensureBase(engine: Engine): Promise<void> {
  try {
    await engine.docker.getImage(BASE).inspect();
    return;
  } catch {
    /* build it */
  }
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
  if (!busybox) throw new FathomError('demo --docker: needs busybox-static on this machine for the base image (apt-get install busybox-static)');
  const applets = ['sh', 'ls', 'cat', 'echo', 'rm', 'mkdir', 'touch', 'head', 'chmod', 'printf', 'sleep', 'true'];
  const rootfs = await tarOf([
    { name: 'bin/', type: 'directory', mode: 0o755 },
    { name: 'bin/busybox', body: fs.readFileSync(busybox), mode: 0o755 },
    ...applets.map((a) => ({ name: `bin/${a}`, type: 'symlink' as const, linkname: 'busybox', mode: 0o777 })),
    { name: 'etc/', type: 'directory', mode: 0o755 },
    { name: 'etc/os-release', body: Buffer.from('PRETTY_NAME="Demo Linux 1.0"\nID=demo\n') },
    { name: 'etc/motd', body: Buffer.from('Welcome to the demo base image.\n') },
    { name: 'etc/app/', type: 'directory', mode: 0o755 },
    { name: 'etc/app/settings.conf', body: Buffer.from('color=blue\nretries=3\n') },
    { name: 'var/lib/dpkg/', type: 'directory', mode: 0o755 },
    { name: 'var/lib/dpkg/status', body: Buffer.from('Package: base-files\nStatus: install ok installed\n\n') },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
  ]);
  const [repo, tag] = BASE.split(':');
  const stream = (await engine.docker.importImage(Readable.from([rootfs]) as never, { repo, tag, changes: ['ENV PATH=/bin'] } as never)) as unknown as NodeJS.ReadableStream;
  await follow(engine, stream, 'importing the base image');
}

async function build(engine: Engine, dockerfile: string, context: string | undefined, tag: string): Promise<void> {
  const dir = dockerfilesDir();
  const files = [{ name: 'Dockerfile', body: fs.readFileSync(path.join(dir, dockerfile, 'Dockerfile')) }];
  if (context) for (const f of fs.readdirSync(path.join(dir, context))) files.push({ name: f, body: fs.readFileSync(path.join(dir, context, f)) });
  const stream = (await engine.docker.buildImage(Readable.from([await tarOf(files)]) as never, { t: tag, rm: true, forcerm: true, networkmode: 'none' } as never)) as unknown as NodeJS.ReadableStream;
  await follow(engine, stream, `building ${tag}`);
}

function shellFor(a: ContainerAction): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  if (a.op === 'append') return `printf %s ${q(a.text)} >> ${q(a.path)}`;
  if (a.op === 'touch') return `touch ${a.paths.map(q).join(' ')}`;
  return `rm -rf ${q(a.path)}`;
}

async function exec(engine: Engine, container: string, command: string): Promise<void> {
  const e = await engine.docker.getContainer(container).exec({ Cmd: ['/bin/sh', '-c', command], AttachStdout: true, AttachStderr: true });
  const stream = await e.start({});
  await new Promise<void>((resolve) => {
    stream.on('end', () => resolve());
    stream.resume();
  });
}

const COMMITTED = 'fathom-demo/committed:1';
/** This process's containers: each run has its own, so two tours at once never share one. */
const DEMO_CONTAINERS = { cow: `fathom-demo-cow-${process.pid}`, committed: `fathom-demo-committed-${process.pid}` };

/**
 * Removes what the tour made in the engine, however it ends (even half-way through preparing): its
 * containers and the committed image (a commit per run would otherwise leave the last one dangling).
 */
export async function removeDemoLeftovers(engine: Engine): Promise<void> {
  await Promise.all(Object.values(DEMO_CONTAINERS).map((name) => engine.docker.getContainer(name).remove({ force: true }).catch(() => {})));
  await engine.docker.getImage(COMMITTED).remove({ force: true }).catch(() => {});
}

async function runSleeper(engine: Engine, image: string, name: string): Promise<void> {
  await engine.docker.getContainer(name).remove({ force: true }).catch(() => {});
  const c = await engine.docker.createContainer({ Image: image, name, Cmd: ['/bin/sleep', '3600'], HostConfig: { NetworkMode: 'none' } });
  await c.start();
}

/** Builds the tour's images with the engine, commits the story's container for real, and opens everything through the store. */
export async function prepareDockerDemo(store: LayerStore, engine: Engine, onProgress: (msg: string) => void): Promise<DemoWorld> {
  await ping(engine);
  onProgress('importing the busybox-static base image');
  await ensureBase(engine);
  for (const [, spec] of Object.entries(ENGINE_NAMES)) {
    onProgress(`docker build ${spec.tag}`);
    await build(engine, spec.dockerfile, spec.context, spec.tag);
  }
  const { cow, committed: committedName } = DEMO_CONTAINERS;
  const watchers: ContainerWatcher[] = [];
  let starting: Promise<void> = Promise.resolve();
  let latest = 0;
  const close = async () => {
    for (const w of watchers) w.stop();
    // No queued step may start a container after this: let the one under way finish, then remove it.
    latest++;
    await starting;
    await removeDemoLeftovers(engine);
  };
  const models = new Map<string, ImageModel>();
  try {
    onProgress('running a container and committing it');
    await runSleeper(engine, BASE, cow);
    for (const a of allContainerActions()) await exec(engine, cow, shellFor(a));
    await engine.docker.getContainer(cow).commit({ repo: COMMITTED.split(':')[0], tag: COMMITTED.split(':')[1] });
    const open = async (name: string, ref: string) => {
      onProgress(`opening ${ref}`);
      models.set(name, new ImageModel(await openImage(engineSource('docker', ref), store)));
    };
    await open('demo/base:1', BASE);
    for (const [name, spec] of Object.entries(ENGINE_NAMES)) await open(name, spec.tag);
    await open('demo/committed:1', COMMITTED);
  } catch (e) {
    await close();
    throw e;
  }

  return {
    store,
    models,
    container(which, step) {
      // Each step starts from a fresh container with the earlier steps' actions redone, as in the simulated
      // tour. Steps taken quickly (n n n) queue up: one container of a name at a time, the newest step wins.
      const name = which === 'cow' ? cow : committedName;
      const watcher = new ContainerWatcher(engine, name, { intervalMs: 300 });
      const turn = ++latest;
      starting = starting
        .then(async () => {
          if (turn !== latest) return;
          await runSleeper(engine, which === 'cow' ? BASE : COMMITTED, name);
          if (which === 'cow') for (const a of actionsUpTo(step - 1)) await exec(engine, name, shellFor(a));
          if (turn === latest) watcher.start();
        })
        .catch(() => void watcher.start()); // the watcher says what went wrong (no such container)
      watchers.push(watcher);
      return watcher;
    },
    storage(which) {
      const facts: NonNullable<ContainerDetail['storage']> = { driver: 'overlay2', lowerDir: null, upperDir: null, mergedDir: null };
      void engine.docker
        .getContainer(which === 'cow' ? cow : committedName)
        .inspect()
        .then((info) => {
          const d = (info.GraphDriver?.Data ?? {}) as Record<string, string>;
          Object.assign(facts, { driver: info.GraphDriver?.Name ?? 'unknown', lowerDir: d.LowerDir ?? null, upperDir: d.UpperDir ?? null, mergedDir: d.MergedDir ?? null });
        })
        .catch(() => {});
      return facts;
    },
    perform(_feed: ChangeFeed, action) {
      void exec(engine, cow, shellFor(action)).catch(() => {});
    },
    close,
  };
}
