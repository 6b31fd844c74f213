import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tar from 'tar-stream';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, imagePath, truthJson } from '../helpers/fixtures.js';
import { fathomAsync, type CliResult } from '../helpers/cli.js';
import { exportingEngine } from '../helpers/fake-engine.js';
import { LayerStore } from '../../store/store.js';
import { covered, expectCleanOrOneLine, fuzzSettings, mutate, prng } from '../helpers/mutate.js';
import { openImage } from '../../src/open-image.js';
import { engineSource } from '../../src/sources/engine/engine-source.js';
import { ImageModel } from '../../src/model/image-model.js';

/**
 * An image's export is read by fathom's own HTTP reading (engine-stream.ts), not dockerode's: over a unix
 * socket, TCP and TLS with client certificates (DOCKER_TLS_VERIFY), framed as chunks of any size, by a
 * Content-Length or by the close, it gives the archive's own answers; an engine's error answer, an answer
 * cut short or one that is not HTTP is one line, and leaves nothing in the store.
 */

const INSPECT = truthJson<Record<string, unknown>>('busybox', 'inspect.json');
const ARCHIVE = fs.readFileSync(imagePath('busybox', 'docker-save.tar'));

type Export = (res: http.ServerResponse) => void;
/** How the export is answered, per test. */
let sendExport: Export;
let work: string;
const servers: net.Server[] = [];
let unixHost: string;
let tcpHost: string;
let tlsHost: string;
let certDir: string;

const engine = exportingEngine(INSPECT, (res) => sendExport(res));

async function listen(server: net.Server, ...at: (string | number)[]): Promise<void> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(...at, resolve));
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-export-transport-'));
  const sock = path.join(work, 'engine.sock');
  await listen(http.createServer(engine), sock);
  unixHost = `unix://${sock}`;
  const tcp = http.createServer(engine);
  await listen(tcp, 0, '127.0.0.1');
  tcpHost = `tcp://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
  // One self-signed certificate is the CA, the engine's certificate and the client's, as a test CA can be.
  certDir = path.join(work, 'certs');
  fs.mkdirSync(certDir);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem')], { stdio: 'ignore' });
  fs.copyFileSync(path.join(certDir, 'cert.pem'), path.join(certDir, 'ca.pem'));
  const pem = (f: string) => fs.readFileSync(path.join(certDir, f));
  const secure = https.createServer({ key: pem('key.pem'), cert: pem('cert.pem'), ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: true }, engine);
  await listen(secure, 0, '127.0.0.1');
  tlsHost = `tcp://127.0.0.1:${(secure.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** inspect --json of the image through the export, with a store of its own, which is returned too. */
async function inspect(host: string, env: Record<string, string> = {}): Promise<CliResult & { store: string }> {
  const store = fs.mkdtempSync(path.join(work, 'store-'));
  const r = await fathomAsync(['inspect', 'docker://corpus/busybox:latest', '--engine-read', 'export', '--json', '--host', host], { FATHOM_STORE: store, ...env }, 30_000);
  return { ...r, store };
}

function withoutSource(json: string): Record<string, unknown> {
  const { source: _source, engineRead: _engineRead, ...rest } = JSON.parse(json) as Record<string, unknown>;
  return rest;
}

let archiveAnswer: Record<string, unknown> | null = null;
async function ofArchive(): Promise<Record<string, unknown>> {
  if (archiveAnswer) return archiveAnswer;
  const r = await fathomAsync(['inspect', imagePath('busybox', 'docker-save.tar'), '--json'], { FATHOM_STORE: fs.mkdtempSync(path.join(work, 'store-')) });
  expect(r.code).toBe(0);
  archiveAnswer = withoutSource(r.stdout);
  return archiveAnswer;
}

/** Sends the archive (or `body`) as writes of these sizes, in turn (node frames each write as one chunk). */
function inWrites(sizes: number[], body = ARCHIVE): Export {
  return (res) => {
    res.writeHead(200, { 'content-type': 'application/x-tar' });
    for (let at = 0, k = 0; at < body.length; k++) {
      const n = Math.min(sizes[k % sizes.length], body.length - at);
      res.write(body.subarray(at, at + n));
      at += n;
    }
    res.end();
  };
}

/** An answer that sends 60 % of the archive and then nothing, its connection held open (kept in `held`, for the test to end). */
function stopsHalfWay(held: http.ServerResponse[]): Export {
  return (res) => {
    res.writeHead(200, { 'content-type': 'application/x-tar' });
    res.write(ARCHIVE.subarray(0, Math.floor(ARCHIVE.length * 0.6)));
    held.push(res);
  };
}

/** A whole answer carrying `body` as the export. */
function answerWith(body: Buffer): Export {
  return (res) => {
    res.writeHead(200, { 'content-type': 'application/x-tar' });
    res.end(body);
  };
}

/** The bytes a tar-stream pack makes, once finalized. */
async function packed(pack: tar.Pack): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The open failed as bad input does: exit 2, one line on stderr, nothing on stdout. */
function expectOneLine(r: CliResult): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

/** What the store holds in its temporary space: nothing, after any open that ended. */
function leftInTmp(store: string): string[] {
  const tmp = path.join(store, 'tmp');
  return fs.existsSync(tmp) ? fs.readdirSync(tmp) : [];
}

describe('an engine\'s export, read by fathom\'s own HTTP reading', () => {
  it('over a unix socket, in chunks of any size, over TCP with a Content-Length, and over TLS with client certificates: the archive\'s answers', async () => {
    sendExport = inWrites([1, 511, 7, 65_536, 300_001, 3]);
    const unix = await inspect(unixHost);
    expect(unix.stderr).toBe('');
    expect(withoutSource(unix.stdout)).toEqual(await ofArchive());

    sendExport = (res) => {
      res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': ARCHIVE.length });
      res.end(ARCHIVE);
    };
    const tcp = await inspect(tcpHost);
    expect(tcp.stderr).toBe('');
    expect(withoutSource(tcp.stdout)).toEqual(await ofArchive());

    sendExport = inWrites([100_000]);
    const secure = await inspect(tlsHost, { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir });
    expect(secure.stderr).toBe('');
    expect(withoutSource(secure.stdout)).toEqual(await ofArchive());
  }, 90_000);

  it('a layer that comes compressed (a docker save archive may hold one) is read back from the store\'s copy: the same answers as that archive', async () => {
    // The busybox archive again, its layer gzip'd: members and order as they were.
    const pack = tar.pack();
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        const body = header.name.endsWith('layer.tar') ? zlib.gzipSync(Buffer.concat(parts)) : Buffer.concat(parts);
        pack.entry({ ...header, size: body.length }, body, next);
      });
    });
    extract.on('finish', () => pack.finalize());
    extract.end(ARCHIVE);
    const gzipped = await packed(pack);
    const file = path.join(work, 'gzip-layer.tar');
    fs.writeFileSync(file, gzipped);
    const asArchive = await fathomAsync(['inspect', file, '--json'], { FATHOM_STORE: fs.mkdtempSync(path.join(work, 'store-')) });
    expect(asArchive.code, asArchive.stderr).toBe(0);
    // In small writes: the layer's later pieces are gzip'd bytes that may start like anything.
    sendExport = inWrites([1000, 333], gzipped);
    const r = await inspect(unixHost);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(withoutSource(r.stdout)).toEqual(withoutSource(asArchive.stdout));
    const store = new LayerStore(r.store);
    expect(store.listImages()[0].layers.map((l) => store.readLayerMeta(l.diffId).compression)).toEqual(['gzip']);
    expect(leftInTmp(r.store)).toEqual([]);
  }, 60_000);

  it('an answer framed only by its close is read to the close', async () => {
    sendExport = (res) => {
      // HTTP/1.0-style: no length, no chunks; the body ends when the engine closes.
      res.socket!.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nConnection: close\r\n\r\n'), ARCHIVE]));
    };
    const r = await inspect(unixHost);
    expect(r.stderr).toBe('');
    expect(withoutSource(r.stdout)).toEqual(await ofArchive());
  }, 60_000);

  it('an error answer is the engine\'s own words on one line, terminal escapes and all made harmless', async () => {
    sendExport = (res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'write /var/lib/docker/tmp/docker-export-1: no space left on device\u001b[2J' }));
    };
    const r = await inspect(unixHost);
    expectOneLine(r);
    expect(r.stderr).toContain('no space left on device');
    expect(r.stderr).not.toContain('\u001b');
    expect(leftInTmp(r.store)).toEqual([]);
  }, 60_000);

  it('an answer cut inside a layer is one line and leaves nothing half-written in the store', async () => {
    sendExport = (res) => {
      res.writeHead(200, { 'content-type': 'application/x-tar' });
      res.write(ARCHIVE.subarray(0, Math.floor(ARCHIVE.length * 0.6)), () => res.socket!.destroy());
    };
    const r = await inspect(unixHost);
    expectOneLine(r);
    expect(r.stderr).toMatch(/docker engine at unix:.*(cut short|closed).*while receiving ".*layer.tar"/);
    expect(leftInTmp(r.store)).toEqual([]);
    expect(fs.existsSync(path.join(r.store, 'layers')) ? fs.readdirSync(path.join(r.store, 'layers', 'sha256')) : []).toEqual([]);
  }, 60_000);

  it('an export whose other members would fill memory is one line, read no further', async () => {
    // Five members of 20 MB that are no layer: each under the size of one that is skipped unread, together
    // more than the export's metadata may hold.
    const pack = tar.pack();
    for (let i = 0; i < 5; i++) pack.entry({ name: `junk-${i}.json` }, Buffer.alloc(20 << 20, 0x20));
    pack.finalize();
    sendExport = answerWith(await packed(pack));
    const r = await inspect(unixHost);
    expectOneLine(r);
    expect(r.stderr).toContain('more than 64 MB (at "junk-3.json")');
  }, 60_000);

  it('a layer that fails its check after the archive has been read fails the open in one line, and the layers stored beside it are removed', async () => {
    // The edge fixture's export with one byte of its biggest layer (a 2 MB random file) changed: still a
    // good tar, so the layer is refused only once it is hashed whole, as it is committed to the store.
    const edge = fs.readFileSync(imagePath('edge', 'docker-save.tar'));
    const members: { name: string; offset: number; size: number }[] = [];
    const extract = tar.extract();
    const sizes = new Map<string, number>();
    extract.on('entry', (header, stream, next) => {
      sizes.set(header.name, header.size ?? 0);
      stream.on('end', next);
      stream.resume();
    });
    await new Promise<void>((resolve, reject) => extract.on('finish', resolve).on('error', reject).end(edge));
    // Where each member's content starts: the headers walked (ustar, no long names in this archive),
    // checked against tar-stream's sizes.
    for (let off = 0; off + 512 <= edge.length; ) {
      const name = edge.toString('latin1', off, off + 100).replace(/\0.*$/s, '');
      if (name === '') break;
      const size = parseInt(edge.toString('latin1', off + 124, off + 136).replace(/\0.*$/s, '').trim() || '0', 8);
      members.push({ name, offset: off + 512, size });
      off += 512 + Math.ceil(size / 512) * 512;
    }
    const biggest = members.filter((m) => m.name.endsWith('layer.tar')).sort((a, b) => b.size - a.size)[0];
    expect(sizes.get(biggest.name)).toBe(biggest.size);
    const altered = Buffer.from(edge);
    altered[biggest.offset + Math.floor(biggest.size / 2)] ^= 0x01;
    const inspectOfEdge = truthJson<Record<string, unknown>>('edge', 'inspect.json');
    sendExport = answerWith(altered);
    const store = fs.mkdtempSync(path.join(work, 'store-'));
    const edgeEngine = http.createServer(exportingEngine(inspectOfEdge, (res) => sendExport(res)));
    const sock = path.join(work, 'edge.sock');
    await listen(edgeEngine, sock);
    const r = await fathomAsync(['inspect', 'docker://corpus/edge:latest', '--engine-read', 'export', '--json', '--host', `unix://${sock}`], { FATHOM_STORE: store }, 30_000);
    expectOneLine(r);
    expect(r.stderr).toContain(JSON.stringify(biggest.name).slice(1, -1));
    expect(r.stderr).toMatch(/not one of the image's diff IDs/);
    const layers = path.join(store, 'layers', 'sha256');
    expect(fs.existsSync(layers) ? fs.readdirSync(layers) : []).toEqual([]);
    expect(leftInTmp(store)).toEqual([]);
  }, 60_000);

  it('^C or a TERM while the export streams in ends the open with nothing left in the store\'s temporary space', async () => {
    const stuck: http.ServerResponse[] = [];
    sendExport = stopsHalfWay(stuck);
    try {
      for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
        const store = fs.mkdtempSync(path.join(work, 'store-'));
        const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'fathom.js'), 'inspect', 'docker://corpus/busybox:latest', '--engine-read', 'export', '--json', '--host', unixHost], { env: { ...process.env, FATHOM_STORE: store }, stdio: 'ignore' });
        const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
        const started = Date.now();
        while (leftInTmp(store).length === 0 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 20));
        expect(leftInTmp(store).length, 'the spool was never started').toBeGreaterThan(0);
        child.kill(signal);
        expect(await exited).toBe(code);
        expect(leftInTmp(store)).toEqual([]);
      }
    } finally {
      for (const res of stuck) res.destroy();
    }
  }, 60_000);

  it('an answer that stops half-way and stays open is given up after the stall limit, in one line, with nothing left in the store', async () => {
    const stuck: http.ServerResponse[] = [];
    sendExport = stopsHalfWay(stuck);
    try {
      const started = Date.now();
      const r = await inspect(unixHost, { FATHOM_ENGINE_STALL_MS: '700' });
      expect(Date.now() - started).toBeLessThan(15_000);
      expectOneLine(r);
      expect(r.stderr).toMatch(/stalled: nothing came for 0\.7 s \(while receiving ".*layer\.tar"\)/);
      expect(leftInTmp(r.store)).toEqual([]);
    } finally {
      for (const res of stuck) res.destroy();
    }
  }, 60_000);

  it('a layer that is a link going round (a to b, b to a) is one line, not a runaway', async () => {
    // The busybox export with its layer.tar replaced by a link to a sibling that links back.
    const pack = tar.pack();
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      if (header.name.endsWith('layer.tar')) {
        pack.entry({ name: header.name, type: 'symlink', linkname: 'other.tar' });
        pack.entry({ name: `${header.name.slice(0, -'layer.tar'.length)}other.tar`, type: 'symlink', linkname: 'layer.tar' });
        stream.on('end', next);
        stream.resume();
        return;
      }
      const parts: Buffer[] = [];
      stream.on('data', (d: Buffer) => parts.push(d));
      stream.on('end', () => {
        pack.entry(header, Buffer.concat(parts));
        next();
      });
    });
    await new Promise<void>((resolve, reject) => extract.on('finish', resolve).on('error', reject).end(ARCHIVE));
    pack.finalize();
    sendExport = answerWith(await packed(pack));
    const r = await inspect(unixHost);
    expectOneLine(r);
    expect(r.stderr).toMatch(/layer\.tar" is a link that goes round or runs on \(16 links followed\)/);
    expect(leftInTmp(r.store)).toEqual([]);
  }, 60_000);

  it('an answer that is not HTTP is one line saying so', async () => {
    sendExport = (res) => res.socket!.end('SSH-2.0-OpenSSH_9.2\r\n\r\n');
    const r = await inspect(unixHost);
    expectOneLine(r);
    expect(r.stderr).toContain('not HTTP/1.1');
  }, 60_000);
});

describe('a mutated export (seeded fuzzer)', () => {
  const { seed, cases } = fuzzSettings(300);
  it(`${cases} cases, seed ${seed} (FATHOM_FUZZ_SEED=${seed} replays them): the archive's answer, or one line, and nothing left in the store's temporary space`, async () => {
    const rand = prng(seed);
    /** The export of `body`, opened into a store of its own, in writes of sizes the case picks. */
    const opened = async (body: Buffer, sizes: number[]) => {
      sendExport = inWrites(sizes, body);
      const store = new LayerStore(fs.mkdtempSync(path.join(work, 'fuzz-store-')));
      try {
        const image = await openImage(engineSource('docker', 'corpus/busybox:latest', { host: unixHost }), store, { engineRead: 'export' });
        return { outcome: { ok: covered(new ImageModel(image)) }, store: store.root };
      } catch (error) {
        return { outcome: { error }, store: store.root };
      }
    };
    const clean = await opened(ARCHIVE, [65_536]);
    expect('ok' in clean.outcome, String((clean.outcome as { error?: Error }).error?.stack)).toBe(true);
    const counts = { same: 0, refused: 0 };
    for (let n = 0; n < cases; n++) {
      const { bytes, what } = mutate(ARCHIVE, rand);
      const sizes = [1 + Math.floor(rand() * 70_000), 1 + Math.floor(rand() * 600)];
      const label = `seed ${seed} case ${n}: ${what}, in writes of ${sizes.join(' and ')} bytes`;
      const got = await opened(bytes, sizes);
      counts[expectCleanOrOneLine(got.outcome, (clean.outcome as { ok: unknown }).ok, label)]++;
      expect(leftInTmp(got.store), label).toEqual([]);
      fs.rmSync(got.store, { recursive: true, force: true });
    }
    // Most damage is found (a header, a digest); some lands where nothing reads it (padding, a name's tail).
    expect(counts.refused).toBeGreaterThan(0);
  }, 180_000);
});
