import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayerStore } from '../../store/store.js';
import { openImage } from '../../src/open-image.js';
import { fileSource, parseSourceSpec } from '../../src/sources/source-spec.js';
import { ImageModel } from '../../src/model/image-model.js';
import { inspectReport } from '../../src/report/inspect-report.js';
import { registryClient, registryImageSource } from '../../src/sources/registry/registry-source.js';
import { parseRegistryLocation } from '../../src/sources/registry/reference.js';
import { listRegistry } from '../../src/sources/registry/registry-list.js';
import { hostPlatform } from '../../src/sources/platform.js';
import { fathom } from '../helpers/cli.js';
import { IMAGES, PROJECT_ROOT, imagePath } from '../helpers/fixtures.js';
import { multiPlatformLayout, writeOciLayout } from '../helpers/oci.js';
import { layerTar } from '../helpers/layers.js';
import { MidBlobProxy, registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry.js';

const available = registryAvailable();
const tmpDirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-reg-test-'));
  tmpDirs.push(d);
  return d;
};

let plain: RunningRegistry;
let auth: RunningRegistry;
let tls: RunningRegistry;
/** The pushed images: repository:tag in every registry, and the fixture each came from. */
const PUSHED: { repoTag: string; image: string; from: string }[] = [];

beforeAll(async () => {
  if (!available) return;
  [plain, auth, tls] = await Promise.all([startRegistry('plain'), startRegistry('htpasswd'), startRegistry('tls')]);
  for (const image of IMAGES) {
    // Docker schema 2 manifests (skopeo gzips the docker-save layers), then OCI manifests with gzip and zstd layers.
    PUSHED.push({ repoTag: `corpus/${image}:latest`, image, from: `docker-archive:${imagePath(image, 'docker-save.tar')}` });
    PUSHED.push({ repoTag: `corpus/${image}:oci-gzip`, image, from: `oci:${imagePath(image, 'oci-gzip')}:latest` });
    PUSHED.push({ repoTag: `corpus/${image}:oci-zstd`, image, from: `oci:${imagePath(image, 'oci-zstd')}:latest` });
  }
  for (const p of PUSHED) await plain.push(p.from, p.repoTag);
  await auth.push(`docker-archive:${imagePath('busybox', 'docker-save.tar')}`, 'corpus/busybox:latest');
  await tls.push(`docker-archive:${imagePath('busybox', 'docker-save.tar')}`, 'corpus/busybox:latest');
  const multi = tmp();
  await multiPlatformLayout(multi, ['linux/arm64/v8', hostPlatform(), 'linux/s390x']);
  await plain.push(`oci:${multi}:multi`, 'multi/platform:1', true);
}, 120_000);

afterAll(async () => {
  await Promise.all([plain, auth, tls].filter(Boolean).map((r) => r.stop()));
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

const none = { insecure: false, credentials: null };

async function openFromRegistry(store: LayerStore, registry: RunningRegistry, repoTag: string, opts: { platform?: string } = {}) {
  const loc = parseRegistryLocation(`${registry.host}/${repoTag}`);
  if (loc.repository === null) throw new Error('no repository');
  return new ImageModel(await openImage(registryImageSource(loc.host, loc.repository, loc.ref, none), store, opts));
}

/** What must be the same from every source: all but where it came from and how its blobs were packed. */
function normal(model: ImageModel) {
  const r = inspectReport(model, { source: 'x', files: 'union' });
  return { ...r, source: null, registry: null, image: { ...r.image, id: null, digest: null, repoTags: null }, layers: r.layers.map((l) => ({ ...l, digest: null, mediaType: null, compressedBytes: null })) };
}

/** The store's layers, to show a failed open left it as it was. */
function storeLayers(dir: string): string[] {
  const layers = path.join(dir, 'layers', 'sha256');
  return fs.existsSync(layers) ? fs.readdirSync(layers).sort() : [];
}

describe.runIf(available)('registry:// against a real registry (distribution 2.8)', () => {
  it('every fixture image, as a Docker schema 2 manifest with gzip layers and as OCI with gzip and zstd layers, reads as its archive does', async () => {
    const store = new LayerStore(tmp());
    for (const p of PUSHED) {
      const fromRegistry = await openFromRegistry(store, plain, p.repoTag);
      const spec = parseSourceSpec(imagePath(p.image, 'docker-save.tar'));
      if (spec.kind !== 'docker-archive') throw new Error('fixture missing');
      const fromArchive = new ImageModel(await openImage(fileSource(spec), new LayerStore(tmp())));
      // The archive's answers are docker export's and docker history's (fixtures.test.ts): so are these.
      expect(normal(fromRegistry), p.repoTag).toEqual(normal(fromArchive));
      // Images with the same config (the OCI copies) are one image: its record gathers their tags.
      expect(fromRegistry.record.repoTags).toContain(`${plain.host}/${p.repoTag}`);
      expect(fromRegistry.registryRead).toEqual({ host: plain.host, transport: { scheme: 'http' } });
    }
  }, 120_000);

  it('a second image on the same base fetches only its own layers; a reopen fetches none', async () => {
    const storeDir = tmp();
    const store = new LayerStore(storeDir);
    const before = plain.blobsFetched().length;
    const base = await openFromRegistry(store, plain, 'corpus/busybox:latest');
    const afterBase = plain.blobsFetched().length;
    expect(afterBase - before).toBe(2); // its config and its one layer
    const multistage = await openFromRegistry(store, plain, 'corpus/multistage:latest');
    const fetched = plain.blobsFetched().slice(afterBase);
    const baseDiffId = base.record.layers[0].diffId;
    const own = multistage.record.layers.filter((l) => l.diffId !== baseDiffId);
    expect(multistage.record.layers[0].diffId).toBe(baseDiffId);
    expect(new Set(fetched)).toEqual(new Set([multistage.record.id, ...own.map((l) => l.digest)]));
    const reopenedAt = plain.blobsFetched().length;
    await openFromRegistry(store, plain, 'corpus/multistage:latest');
    expect(plain.blobsFetched().slice(reopenedAt)).toEqual([multistage.record.id]); // the config only: layers are in the store
  }, 60_000);

  it('an image index: this machine\'s platform by default, another with --platform, and the platforms present when none fits', async () => {
    const store = new LayerStore(tmp());
    const mine = await openFromRegistry(store, plain, 'multi/platform:1');
    expect(mine.record.config.architecture).toBe(hostPlatform().split('/')[1]);
    const arm = await openFromRegistry(store, plain, 'multi/platform:1', { platform: 'linux/arm64' });
    expect(arm.record.config.architecture).toBe('arm64');
    await expect(openFromRegistry(store, plain, 'multi/platform:1', { platform: 'linux/riscv64' })).rejects.toThrow(/no image for platform linux\/riscv64; present: linux\/arm64\/v8, linux\/(amd64|arm64), linux\/s390x/);
  }, 60_000);

  it('a missing tag lists the tags there are; a missing repository says so; nothing is stored', () => {
    const store = tmp();
    const tag = fathom(['inspect', '--store', store, `registry://${plain.host}/corpus/edge:nope`]);
    expect(tag.code).toBe(2);
    expect(tag.stderr).toMatch(new RegExp(`^fathom: registry://${plain.host}/corpus/edge:nope: no tag "nope" in corpus/edge; its tags: latest, oci-gzip, oci-zstd\\n$`));
    const repo = fathom(['inspect', '--store', store, `registry://${plain.host}/no/such`]);
    expect(repo.code).toBe(2);
    expect(repo.stderr).toBe(`fathom: registry://${plain.host}/no/such:latest: no repository "no/such" on ${plain.host}\n`);
    expect(storeLayers(store)).toEqual([]);
  });

  it('htpasswd auth: anonymous and a wrong password are refused in one line each; --password-stdin, config.json auths and a credential helper are taken', () => {
    const store = tmp();
    const ref = `registry://${auth.host}/corpus/busybox`;
    const anonymous = fathom(['inspect', '--store', store, ref]);
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toMatch(/the registry needs credentials \(401 Unauthorized\): `docker login 127\.0\.0\.1:\d+`, or --username with --password-stdin\n$/);
    const wrong = spawnFathom(['inspect', '--store', store, '--username', 'fathom', '--password-stdin', ref], 'wrong password\n');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/the registry refused the credentials of user "fathom" \(from --username\) \(401 Unauthorized\)\n$/);
    expect(wrong.stderr.split('\n')).toHaveLength(2);
    expect(storeLayers(store)).toEqual([]);
    const right = spawnFathom(['inspect', '--json', '--files', 'none', '--store', store, '--username', 'fathom', '--password-stdin', ref], `${auth.user!.password}\n`);
    expect(right.stderr).toBe('');
    expect(JSON.parse(right.stdout).image.repoTags).toEqual([`${auth.host}/corpus/busybox:latest`]);

    const config = tmp();
    fs.writeFileSync(path.join(config, 'config.json'), JSON.stringify({ auths: { [auth.host]: { auth: Buffer.from(`fathom:${auth.user!.password}`).toString('base64') } } }));
    const fromConfig = fathom(['inspect', '--json', '--files', 'none', '--store', tmp(), ref], { DOCKER_CONFIG: config });
    expect(fromConfig.stderr).toBe('');
    expect(fromConfig.code).toBe(0);

    // A credential helper, as `credHelpers` names it: a program on PATH answering `get` with JSON.
    const bin = tmp();
    fs.writeFileSync(path.join(bin, 'docker-credential-fathomtest'), `#!/bin/sh\nread server\n[ "$1" = get ] && [ "$server" = "${auth.host}" ] && printf '{"ServerURL":"%s","Username":"fathom","Secret":"${auth.user!.password}"}' "$server"\n`, { mode: 0o755 });
    const helperConfig = tmp();
    fs.writeFileSync(path.join(helperConfig, 'config.json'), JSON.stringify({ credHelpers: { [auth.host]: 'fathomtest' } }));
    const fromHelper = fathom(['inspect', '--json', '--files', 'none', '--store', tmp(), ref], { DOCKER_CONFIG: helperConfig, PATH: `${bin}:${process.env.PATH}` });
    expect(fromHelper.stderr).toBe('');
    expect(fromHelper.code).toBe(0);
  }, 60_000);

  it('Bearer tokens (distribution\'s token auth): a token per scope from the token service, with the credentials; refused ones in one line', async () => {
    const token = await startRegistry('token');
    try {
      await token.push(`docker-archive:${imagePath('multistage', 'docker-save.tar')}`, 'corpus/multistage:latest');
      token.tokenRequests!.length = 0;
      const config = tmp();
      fs.writeFileSync(path.join(config, 'config.json'), JSON.stringify({ auths: { [token.host]: { auth: Buffer.from(`fathom:${token.user!.password}`).toString('base64') } } }));
      const ref = `registry://${token.host}/corpus/multistage`;
      const ok = await spawnFathomAsync(['inspect', '--json', '--files', 'none', '--store', tmp(), ref], { DOCKER_CONFIG: config });
      expect(ok.stderr).toBe('');
      expect(JSON.parse(ok.stdout).image.layerCount).toBe(4);
      // The token service answers from this process: the binary runs beside it, not blocking it.
      // One token for the repository's pull scope, reused for the manifest, the config and every layer.
      expect(token.tokenRequests).toEqual([{ scope: 'repository:corpus/multistage:pull', withCredentials: true }]);
      const wrong = await spawnFathomAsync(['inspect', '--store', tmp(), '--username', 'fathom', '--password-stdin', ref], {}, 'nope\n');
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toBe(`fathom: ${ref}:latest: manifest: the registry refused the credentials of user "fathom" (from --username) (401 Unauthorized)\n`);
      const browse = await spawnFathomAsync(['audit', '--json', '--store', tmp(), `registry://${token.host}`], { DOCKER_CONFIG: config });
      expect(browse.stderr).toBe('');
      expect(JSON.parse(browse.stdout).images.map((i: { name: string }) => i.name)).toEqual([`${token.host}/corpus/multistage:latest`]);
    } finally {
      await token.stop();
    }
  }, 60_000);

  it('self-signed TLS: refused in one line naming certs.d; read with --insecure (said in --json); trusted through /etc/docker/certs.d', () => {
    const config = tmp();
    fs.writeFileSync(path.join(config, 'config.json'), JSON.stringify({ auths: { [tls.host]: { auth: Buffer.from(`fathom:${tls.user!.password}`).toString('base64') } } }));
    const env = { DOCKER_CONFIG: config };
    const ref = `registry://${tls.host}/corpus/busybox:latest`;
    const untrusted = fathom(['inspect', '--store', tmp(), ref], env);
    expect(untrusted.code).toBe(2);
    expect(untrusted.stderr).toBe(`fathom: ${ref}: https://${tls.host}: its TLS certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT): put the CA that signed it in /etc/docker/certs.d/${tls.host}/ca.crt, or use --insecure\n`);
    const insecure = fathom(['inspect', '--json', '--files', 'none', '--insecure', '--store', tmp(), ref], env);
    expect(insecure.code).toBe(0);
    expect(JSON.parse(insecure.stdout).registry).toEqual({ host: tls.host, scheme: 'https', verified: false });
    const certsDir = path.join('/etc/docker/certs.d', tls.host);
    const hadCertsD = fs.existsSync('/etc/docker/certs.d');
    fs.mkdirSync(certsDir, { recursive: true });
    try {
      fs.copyFileSync(tls.caFile!, path.join(certsDir, 'ca.crt'));
      const trusted = fathom(['inspect', '--json', '--files', 'none', '--store', tmp(), ref], env);
      expect(trusted.stderr).toBe('');
      expect(JSON.parse(trusted.stdout).registry).toEqual({ host: tls.host, scheme: 'https', verified: true });
    } finally {
      // Nothing of the test's is left in /etc: its certs.d entry, and certs.d itself if it made it.
      fs.rmSync(hadCertsD ? certsDir : '/etc/docker/certs.d', { recursive: true, force: true });
    }
  }, 60_000);

  /** A registry with busybox, edge, and an image of one 32 MB layer (big enough to be indexed on a worker thread). */
  async function victimRegistry(): Promise<{ victim: RunningRegistry; big: string }> {
    const victim = await startRegistry('plain');
    await victim.push(`docker-archive:${imagePath('busybox', 'docker-save.tar')}`, 'corpus/busybox:latest');
    await victim.push(`docker-archive:${imagePath('edge', 'docker-save.tar')}`, 'corpus/edge:latest');
    const layout = tmp();
    const layer = await layerTar([{ file: 'big/random.b64', content: randomBytes(24 << 20).toString('base64') }]);
    const { layerBlobs } = writeOciLayout(layout, [layer], { gzip: true, gzipLevel: 1 });
    await victim.push(`oci:${layout}:latest`, 'big/one:latest');
    return { victim, big: `sha256:${path.basename(layerBlobs[0])}` };
  }

  async function largestLayer(host: string, repository: string): Promise<{ digest: string; size: number }> {
    const client = registryClient(parseRegistryLocation(host).host, none);
    try {
      const manifest = JSON.parse((await client.manifest(repository, 'latest', 'manifest'))!.bytes.toString('utf8')) as { layers: { digest: string; size: number }[] };
      return manifest.layers.reduce((a, b) => (b.size > a.size ? b : a));
    } finally {
      client.close();
    }
  }

  it.each([
    ['corpus/edge', 'a 2 MiB layer, read on the main thread'],
    ['big/one', 'a 32 MB layer, read on a worker thread'],
  ])('a registry killed mid-blob (%s: %s): one line saying how far the layer got, and the store left as it was', async (repository) => {
    const { victim } = await victimRegistry();
    try {
      const storeDir = tmp();
      // The base first, so the store has something the failed open must leave alone.
      expect(fathom(['inspect', '--json', '--files', 'none', '--store', storeDir, `registry://${victim.host}/corpus/busybox`]).code).toBe(0);
      const before = storeLayers(storeDir);
      const big = await largestLayer(victim.host, repository);
      const port = Number(victim.host.split(':')[1]);
      const proxy = new MidBlobProxy(port, big.digest, 256 << 10, () => victim.process.kill('SIGKILL'));
      await proxy.up();
      try {
        const r = await spawnFathomAsync(['inspect', '--store', storeDir, `registry://${proxy.host}/${repository}`]);
        expect(proxy.fired).toBe(true);
        expect(r.code).toBe(2);
        // The big blob says how far it got; another blob in flight when the registry died may be the one
        // reported, and then its line says so (it had not begun).
        expect(r.stderr).toMatch(
          new RegExp(`^fathom: registry://${proxy.host}/${repository}:latest: layer \\d+ \\((${big.digest}\\): connection lost after [\\d.]+[kKM]?i?B of [\\d.]+MB|sha256:[0-9a-f]{64}\\): connection lost before the blob began) \\(.*\\)\\n$`),
        );
        expect(storeLayers(storeDir)).toEqual(before);
        expect(fs.readdirSync(storeDir).filter((f) => f.startsWith('tmp')).flatMap((t) => fs.readdirSync(path.join(storeDir, t)))).toEqual([]);
      } finally {
        await proxy.down();
      }
    } finally {
      await victim.stop();
    }
  }, 60_000);

  it('a registry that stops answering mid-blob (SIGSTOP): one line after the timeout, the store left as it was', async () => {
    const { victim } = await victimRegistry();
    try {
      const storeDir = tmp();
      const big = await largestLayer(victim.host, 'big/one');
      const proxy = new MidBlobProxy(Number(victim.host.split(':')[1]), big.digest, 1 << 20, () => victim.process.kill('SIGSTOP'));
      await proxy.up();
      try {
        const started = Date.now();
        const r = await spawnFathomAsync(['inspect', '--store', storeDir, `registry://${proxy.host}/big/one`], { FATHOM_REGISTRY_TIMEOUT_MS: '1500' });
        expect(proxy.fired).toBe(true);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`^fathom: registry://${proxy.host}/big/one:latest: layer 0 \\(${big.digest}\\): connection lost after [\\d.]+[kKM]?i?B of [\\d.]+MB \\(no data for 1\\.5 s\\)\\n$`));
        expect(Date.now() - started).toBeLessThan(20_000);
        expect(storeLayers(storeDir)).toEqual([]);
      } finally {
        victim.process.kill('SIGCONT');
        await proxy.down();
      }
    } finally {
      await victim.stop();
    }
  }, 60_000);

  it('blobs redirected to another server (as registries on object storage do) are followed, without the registry\'s credentials', async () => {
    const seen: { url: string; auth: boolean }[] = [];
    const blobServer = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization !== undefined });
      // The "object store": the real registry's blob, fetched by this server.
      http.get(`http://${plain.host}${req.url}`, (up) => {
        res.writeHead(up.statusCode ?? 500, up.headers);
        up.pipe(res);
      });
    });
    await new Promise<void>((r) => blobServer.listen(0, '127.0.0.1', r));
    const blobPort = (blobServer.address() as { port: number }).port;
    const expected = `Basic ${Buffer.from('someone:secret').toString('base64')}`;
    const front = http.createServer((req, res) => {
      // The registry itself wants Basic auth for everything, as an htpasswd registry does.
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="front"' }).end();
        return;
      }
      delete req.headers.authorization;
      if (/\/blobs\/sha256:/.test(req.url ?? '') && req.method === 'GET') {
        res.writeHead(307, { location: `http://127.0.0.1:${blobPort}${req.url}` }).end();
        return;
      }
      const up = http.request({ host: '127.0.0.1', port: Number(plain.host.split(':')[1]), path: req.url, method: req.method, headers: req.headers }, (u) => {
        res.writeHead(u.statusCode ?? 500, u.headers);
        u.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const frontHost = `127.0.0.1:${(front.address() as { port: number }).port}`;
    try {
      const config = tmp();
      fs.writeFileSync(path.join(config, 'config.json'), JSON.stringify({ auths: { [frontHost]: { auth: Buffer.from('someone:secret').toString('base64') } } }));
      const r = await spawnFathomAsync(['inspect', '--json', '--files', 'none', '--store', tmp(), `registry://${frontHost}/corpus/multistage:latest`], { DOCKER_CONFIG: config });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).image.layerCount).toBe(4);
      expect(seen.length).toBeGreaterThanOrEqual(5); // the config and four layers
      expect(seen.every((s) => !s.auth)).toBe(true);
    } finally {
      await Promise.all([front, blobServer].map((s) => new Promise((r) => s.close(r))));
    }
  }, 60_000);

  it('a blob altered in the registry\'s own storage is refused by its digest, on either path, and nothing is stored', async () => {
    const { victim, big } = await victimRegistry();
    try {
      const small = await largestLayer(victim.host, 'corpus/edge');
      for (const [repository, digest] of [['corpus/edge', small.digest], ['big/one', big]] as const) {
        const data = path.join(victim.dir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7), 'data');
        const fd = fs.openSync(data, 'r+');
        fs.writeSync(fd, Buffer.from('altered'), 0, 7, 100_000); // the same length: only the digest can tell
        fs.closeSync(fd);
        const storeDir = tmp();
        const r = fathom(['inspect', '--store', storeDir, `registry://${victim.host}/${repository}`]);
        expect(r.code, repository).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`^fathom: registry://${victim.host}/${repository}:latest: layer \\d+ \\(${digest}\\): (digest mismatch: the blob should be ${digest} but is sha256:[0-9a-f]{64} \\(corrupt or altered\\)|.*(gzip|inflate|header|checksum).*)\\n$`));
        expect(storeLayers(storeDir)).toEqual([]);
      }
    } finally {
      await victim.stop();
    }
  }, 60_000);

  it('audit registry://HOST: every tag, each distinct layer fetched once, per-image figures as inspect gives them, the sharing of the set', () => {
    const before = plain.blobsFetched().length;
    const r = fathom(['audit', '--json', '--store', tmp(), `registry://${plain.host}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { images: { name: string; id: string; efficiencyScore: number; wastedBytes: number; sizeBytes: number }[]; totals: { distinctLayers: number; sharingSavesBytes: number }; sharedLayers: { images: string[] }[]; problems: string[] };
    // The docker-save pushes and the OCI pushes have different configs; the two OCI pushes share theirs.
    expect(report.images).toHaveLength(IMAGES.length * 2 + 1);
    expect(report.problems).toEqual([]);
    const ids = new Set(report.images.map((i) => i.id));
    const layerFetches = plain.blobsFetched().slice(before).filter((d) => !ids.has(d));
    expect(layerFetches).toHaveLength(report.totals.distinctLayers);
    // busybox's layer is the base of every fixture image: the most-shared layer.
    expect(report.sharedLayers[0].images).toHaveLength(IMAGES.length * 2);
    const edge = report.images.find((i) => i.name === `${plain.host}/corpus/edge:latest`)!;
    const inspect = JSON.parse(fathom(['inspect', '--json', '--files', 'none', '--store', tmp(), imagePath('edge', 'docker-save.tar')]).stdout) as { image: { sizeBytes: number }; analysis: { efficiencyScore: number; wastedBytes: number } };
    expect({ size: edge.sizeBytes, efficiency: edge.efficiencyScore, wasted: edge.wastedBytes }).toEqual({ size: inspect.image.sizeBytes, efficiency: inspect.analysis.efficiencyScore, wasted: inspect.analysis.wastedBytes });
  }, 120_000);

  it('browses: the catalog and every tag, with each image\'s ID, size and layers from its manifest and config (no layer fetched)', async () => {
    const before = plain.blobsFetched().length;
    const client = registryClient(parseRegistryLocation(plain.host).host, none);
    const tags = await listRegistry(client, undefined, () => {}, () => false);
    client.close();
    const names = tags.map((t) => `${t.repository}:${t.tag}`);
    expect(names).toEqual([...PUSHED.map((p) => p.repoTag), 'multi/platform:1'].sort((a, b) => a.split(':')[0].localeCompare(b.split(':')[0]) || a.split(':')[1].localeCompare(b.split(':')[1])));
    const edge = tags.find((t) => t.repository === 'corpus/edge' && t.tag === 'latest')!;
    expect(edge.layers).toBe(18);
    expect(edge.problem).toBeNull();
    // Only configs were fetched: one per distinct image.
    const fetched = plain.blobsFetched().slice(before);
    expect(new Set(fetched)).toEqual(new Set(tags.map((t) => t.id)));
  }, 60_000);
});

function spawnFathom(args: string[], input: string) {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'fathom.js'), ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The binary run without blocking this process: the proxy in front of the registry lives here. */
function spawnFathomAsync(args: string[], env: Record<string, string> = {}, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'fathom.js'), ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: { ...process.env, FATHOM_REGISTRY_TIMEOUT_MS: '5000', ...env } });
    if (input !== undefined) child.stdin!.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
