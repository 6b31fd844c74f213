import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** podman's Docker-compatible service socket, as `.ci/run` starts it. */
export const PODMAN_SOCKET = '/run/podman/podman.sock';

/** True when podman and its service answer. With CI=true a missing podman is an error, never a skip. */
export function podmanAvailable(): boolean {
  const ok =
    spawnSync('podman', ['info', '--format', '{{.Store.GraphDriverName}}'], { stdio: 'ignore', timeout: 30_000 }).status === 0 && fs.existsSync(PODMAN_SOCKET);
  if (!ok && process.env.CI === 'true') {
    throw new Error(`CI=true but podman or its service (${PODMAN_SOCKET}) is missing: .ci/run must install podman and start \`podman system service\``);
  }
  return ok;
}

export function podman(...args: string[]): string {
  return execFileSync('podman', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
}

/** Whether the engine (docker or podman CLI) has an image by that name. */
export function engineHasImage(cli: 'docker' | 'podman', ref: string): boolean {
  return spawnSync(cli, ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0;
}
