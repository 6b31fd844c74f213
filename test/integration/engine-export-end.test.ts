import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagePath, truthJson } from '../helpers/fixtures.js';
import { fathomAsync, type CliResult } from '../helpers/cli.js';
import { exportingEngine } from '../helpers/fake-engine.js';
import { engineSource } from '../../src/sources/engine/engine-source.js';
import { LayerStore } from '../../store/store.js';
import { openImage } from '../../src/open-image.js';
import type { IngestProgress } from '../../src/sources/types.js';

/**
 * An engine's export is read to its archive's end-of-archive marker, as `docker load` (Go's archive/tar)
 * reads one: Docker 20.10 goes on ~0.5 s after it before it ends its answer, and what an answer carries
 * after the marker is not the image's. These engines send the busybox fixture's `docker save` archive,
 * then something more.
 */

const INSPECT = truthJson<Record<string, unknown>>('busybox', 'inspect.json');
const ARCHIVE = fs.readFileSync(imagePath('busybox', 'docker-save.tar'));
/** The export's answer, per test: its bytes, whether it then ends (else it stays open), and how long the engine "prepares" first. */
let answer: { body: Buffer; end: boolean; delayMs?: number };
let work: string;
let server: http.Server;
const held = new Set<http.ServerResponse>();

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-export-end-'));
  server = http.createServer(
    exportingEngine(INSPECT, (res) => {
      const send = () => {
        res.writeHead(200, { 'content-type': 'application/x-tar', 'api-version': '1.41' });
        res.write(answer.body);
        if (answer.end) res.end();
        else held.add(res); // as an engine still tidying up: the answer stays open
      };
      setTimeout(send, answer.delayMs ?? 0);
    }),
  );
  await new Promise<void>((resolve) => server.listen(path.join(work, 'engine.sock'), resolve));
});

afterAll(async () => {
  for (const res of held) res.destroy();
  await new Promise((resolve) => server.close(resolve));
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** The binary, with a store of its own. */
function run(args: string[], timeout: number): Promise<CliResult> {
  return fathomAsync(args, { FATHOM_STORE: fs.mkdtempSync(path.join(work, 'store-')) }, timeout);
}

/** inspect --json of the image, from the fake engine's export; without the fields that name the source. */
async function inspectThroughExport(timeout = 20_000): Promise<Record<string, unknown>> {
  const r = await run(['inspect', 'docker://corpus/busybox:latest', '--engine-read', 'export', '--json', '--host', `unix://${path.join(work, 'engine.sock')}`], timeout);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const { source: _source, engineRead: _engineRead, ...rest } = JSON.parse(r.stdout) as Record<string, unknown>;
  return rest;
}

/** The same of the archive itself, read from its file. */
async function inspectOfArchive(): Promise<Record<string, unknown>> {
  const r = await run(['inspect', imagePath('busybox', 'docker-save.tar'), '--json'], 20_000);
  expect(r.code).toBe(0);
  const { source: _source, ...rest } = JSON.parse(r.stdout) as Record<string, unknown>;
  return rest;
}

/** A tar of one entry named `name`. */
async function tarOf(name: string, body: string): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('reading an engine\'s export', () => {
  it('its progress, from the open as a whole, only goes forward: the layers it stored are not counted again from nothing', async () => {
    answer = { body: ARCHIVE, end: true };
    const heard: IngestProgress[] = [];
    const source = engineSource('docker', 'corpus/busybox:latest', { host: `unix://${path.join(work, 'engine.sock')}` });
    await openImage(source, new LayerStore(fs.mkdtempSync(path.join(work, 'store-'))), { engineRead: 'export', onProgress: (p) => heard.push({ ...p }) });
    const flowing = heard.filter((p) => p.waitingFor === undefined);
    expect(flowing.length).toBeGreaterThan(0);
    for (let k = 1; k < flowing.length; k++) {
      expect(flowing[k].bytesDone).toBeGreaterThanOrEqual(flowing[k - 1].bytesDone);
      expect(flowing[k].layersDone).toBeGreaterThanOrEqual(flowing[k - 1].layersDone);
    }
    const last = flowing.at(-1)!;
    expect(last.layersDone).toBe(last.layersTotal);
    expect(last.bytesDone).toBe(ARCHIVE.length);
  }, 60_000);

  it('the archive ends the read: an answer that stays open after it (padding, an engine tidying up) does not hold the open', async () => {
    // The fixture ends with its marker (Go's tar writer: two zero blocks); a record's padding follows here.
    expect(ARCHIVE.subarray(-1024).every((b) => b === 0)).toBe(true);
    answer = { body: Buffer.concat([ARCHIVE, Buffer.alloc(8192)]), end: false };
    expect(await inspectThroughExport()).toEqual(await inspectOfArchive());
  }, 60_000);

  it('entries after the marker are not the image\'s: a manifest there is not read', async () => {
    const other = await tarOf('manifest.json', '[{"Config":"nothing.json","RepoTags":["not/this:one"],"Layers":[]}]');
    answer = { body: Buffer.concat([ARCHIVE, other]), end: true };
    expect(await inspectThroughExport()).toEqual(await inspectOfArchive());
  }, 60_000);

  it('an answer without the marker, ending on a block boundary, is read to its end', async () => {
    answer = { body: ARCHIVE.subarray(0, ARCHIVE.length - 1024), end: true };
    expect(await inspectThroughExport()).toEqual(await inspectOfArchive());
  }, 60_000);

  it('its rate is counted from the first byte, not over the engine\'s preparation, and its total is never below what came', async () => {
    answer = { body: ARCHIVE, end: true, delayMs: 1200 };
    const heard: IngestProgress[] = [];
    const started = Date.now();
    const source = engineSource('docker', 'corpus/busybox:latest', { host: `unix://${path.join(work, 'engine.sock')}` });
    await source.resolve({ store: new LayerStore(fs.mkdtempSync(path.join(work, 'store-'))), engineRead: 'export', onProgress: (p) => heard.push({ ...p }) });
    const flowing = heard.filter((p) => p.bytesDone > 0);
    expect(heard[0].waitingFor).toBeDefined();
    expect(flowing.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1200);
    for (const p of flowing) {
      expect(p.waitingFor).toBeUndefined();
      expect(p.flowingSeconds).toBeGreaterThanOrEqual(0);
      expect(p.flowingSeconds!).toBeLessThan(1);
      expect(p.bytesTotal).toBeGreaterThanOrEqual(p.bytesDone);
    }
  }, 60_000);
});

