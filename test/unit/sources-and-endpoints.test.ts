import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { layerTar, sha256 } from '../helpers/layers.js';
import { multiPlatformLayout } from '../helpers/oci.js';
import { LayerStore } from '../../store/store.js';
import { fileSource, parseSourceSpec } from '../../src/sources/source-spec.js';
import { openImage } from '../../src/open-image.js';
import { hostPlatform } from '../../src/sources/platform.js';
import { resolveEndpoint, explainConnectionError } from '../../src/sources/engine/connection.js';
import { imagePath } from '../helpers/fixtures.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-src-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** An OCI layout holding one image index with a manifest per platform, each image one layer saying which it is. */
async function open(source: string, opts: { tag?: string; platform?: string } = {}) {
  const spec = parseSourceSpec(source);
  if (spec.kind === 'engine' || spec.kind === 'store') throw new Error('not a file source');
  return openImage(fileSource(spec), new LayerStore(tmp()), opts);
}

describe('image indexes and archives with several images', () => {
  it('picks the host platform by default, another with --platform, and lists the platforms present when none fits', async () => {
    const dir = tmp();
    await multiPlatformLayout(dir, ['linux/arm64/v8', hostPlatform(), 'linux/s390x']);
    const def = await open(`oci://${dir}:multi`);
    expect(def.record.config.architecture).toBe(hostPlatform().split('/')[1]);
    const arm = await open(dir, { platform: 'linux/arm64' });
    expect(arm.record.config.architecture).toBe('arm64');
    await expect(open(dir, { platform: 'linux/riscv64' })).rejects.toThrow(/no image for platform linux\/riscv64; present: linux\/arm64\/v8, linux\/(amd64|arm64), linux\/s390x \(choose with --platform\)/);
  });

  it('a docker save archive of several images: picks by tag, and lists the choices when asked for none', async () => {
    const dir = tmp();
    for (const name of ['busybox', 'multistage']) execFileSync('tar', ['-xf', imagePath(name, 'docker-save.tar'), '-C', dir]);
    // Merge the two manifests into one archive, as `docker save a b` writes.
    const read = (name: string) => JSON.parse(execFileSync('tar', ['-xOf', imagePath(name, 'docker-save.tar'), 'manifest.json'], { encoding: 'utf8' }));
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([...read('busybox'), ...read('multistage')]));
    const archive = path.join(tmp(), 'two.tar');
    execFileSync('tar', ['-cf', archive, '-C', dir, '.']);
    await expect(open(archive)).rejects.toThrow(/holds 2 images, pick one with --tag \(or PATH:TAG\): corpus\/busybox:latest; corpus\/multistage:latest/);
    const picked = await open(`${archive}:corpus/multistage:latest`);
    expect(picked.record.repoTags).toEqual(['corpus/multistage:latest']);
    const byFlag = await open(archive, { tag: 'corpus/busybox' });
    expect(byFlag.layers).toHaveLength(1);
    await expect(open(archive, { tag: 'nope:1' })).rejects.toThrow(/no image tagged nope:1; the archive holds: corpus\/busybox:latest; corpus\/multistage:latest/);
  });
});

describe('finding the engine', () => {
  it('uses --host, then DOCKER_HOST (with TLS), then the docker context, then the default socket', () => {
    expect(resolveEndpoint('docker', 'tcp://10.1.2.3:2375', {})).toMatchObject({ url: 'tcp://10.1.2.3:2375', origin: '--host', options: { host: '10.1.2.3', port: 2375, protocol: 'http' } });
    expect(resolveEndpoint('docker', undefined, { DOCKER_HOST: 'unix:///run/x.sock' })).toMatchObject({ origin: 'DOCKER_HOST', options: { socketPath: '/run/x.sock' } });
    const certs = tmp();
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(certs, f), f);
    const tls = resolveEndpoint('docker', undefined, { DOCKER_HOST: 'tcp://engine:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
    expect(tls.options).toMatchObject({ host: 'engine', port: 2376, protocol: 'https' });
    expect(String(tls.options.ca)).toBe('ca.pem');

    const config = tmp();
    const id = createHash('sha256').update('remote').digest('hex');
    fs.mkdirSync(path.join(config, 'contexts', 'meta', id), { recursive: true });
    fs.writeFileSync(path.join(config, 'config.json'), JSON.stringify({ currentContext: 'remote' }));
    fs.writeFileSync(path.join(config, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: 'remote', Endpoints: { docker: { Host: 'unix:///var/run/remote.sock' } } }));
    expect(resolveEndpoint('docker', undefined, { DOCKER_CONFIG: config })).toMatchObject({ origin: 'docker context "remote"', url: 'unix:///var/run/remote.sock' });
    expect(resolveEndpoint('docker', undefined, { DOCKER_CONFIG: tmp() })).toMatchObject({ origin: 'the default socket', url: 'unix:///var/run/docker.sock' });
  });

  it('looks for podman\'s Docker-compatible socket', () => {
    const runtime = tmp();
    fs.mkdirSync(path.join(runtime, 'podman'));
    fs.writeFileSync(path.join(runtime, 'podman', 'podman.sock'), '');
    expect(resolveEndpoint('podman', undefined, { XDG_RUNTIME_DIR: runtime })).toMatchObject({ kind: 'podman', url: `unix://${runtime}/podman/podman.sock`, origin: "podman's socket" });
    expect(resolveEndpoint('podman', undefined, { XDG_RUNTIME_DIR: tmp() }).url).toMatch(/podman\.sock$/);
  });

  it('explains a refused socket and a permission problem in one line each', () => {
    const ep = resolveEndpoint('docker', 'unix:///var/run/docker.sock', {});
    expect(explainConnectionError(Object.assign(new Error('x'), { code: 'EACCES' }), ep).message).toBe(
      'permission denied on unix:///var/run/docker.sock (from --host); add yourself to the docker group (`sudo usermod -aG docker $USER`, then log in again) or run as root',
    );
    expect(explainConnectionError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), ep).message).toMatch(/^no docker engine answers at unix:\/\/\/var\/run\/docker\.sock \(from --host\); set DOCKER_HOST/);
  });
});
