import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

/** True when a Docker engine answers. With CI=true a missing engine is an error, never a skip. */
export function dockerAvailable(): boolean {
  const ok = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 }).status === 0;
  if (!ok && process.env.CI === 'true') {
    throw new Error('CI=true but no Docker engine answers (`docker info` failed): .ci/run must install and start dockerd');
  }
  return ok;
}

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
}

const APPLETS = ['sh', 'echo', 'rm', 'mkdir', 'cat', 'head', 'chmod', 'sleep', 'touch', 'ln', 'printf', 'true', 'ls', 'mv', 'cp', 'dd'];

/** A base image made the way the guide says: a busybox-static rootfs, `docker import`ed. Built once per machine. */
export function ensureBaseImage(tag = 'fathom-test/base:1'): string {
  if (spawnSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' }).status === 0) return tag;
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
  if (!busybox) throw new Error('busybox-static is not installed (apt-get install busybox-static)');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-rootfs-'));
  fs.mkdirSync(path.join(root, 'bin'));
  fs.mkdirSync(path.join(root, 'etc'));
  fs.mkdirSync(path.join(root, 'tmp'), { mode: 0o1777 });
  fs.copyFileSync(busybox, path.join(root, 'bin', 'busybox'));
  fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
  for (const a of APPLETS) fs.symlinkSync('busybox', path.join(root, 'bin', a));
  fs.writeFileSync(path.join(root, 'etc', 'motd'), 'hello from the base layer\n');
  const tarFile = path.join(root, '..', `${path.basename(root)}.tar`);
  execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', tarFile, '.']);
  docker('import', '--change', 'ENV PATH=/bin', tarFile, tag);
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(tarFile, { force: true });
  return tag;
}

/** `docker build` of a Dockerfile given as text (no context needed). */
export function buildImage(tag: string, dockerfile: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-build-'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  execFileSync('docker', ['build', '-q', '-t', tag, dir], { encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  fs.rmSync(dir, { recursive: true, force: true });
  return tag;
}
