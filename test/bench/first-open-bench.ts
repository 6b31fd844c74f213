import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { spawnSync } from 'node:child_process';
import { median, timed } from './timed.js';
import { firstFrameOfOpen } from './binary-frame.js';
import { writeBenchImage } from './bench-image.js';
import { imageConfigBytes } from '../helpers/oci.js';

/** One image of the first-open bench, as files on disk (built once, cached). */
export interface BenchImageFiles {
  label: string;
  dockerSave: string;
  /** The same layers as plain tars (for `tar -t`) and as gzip blobs of an OCI layout (for `gzip -dc | tar -t`). */
  layerTars: string[];
  ociGzip: string;
  gzipBlobs: string[];
  entries: number;
}

export interface FirstOpenFigures {
  image: BenchImageFiles;
  tarBytes: number;
  /** `inspect --files none` with an empty store: read, verify, index, analyse. */
  inspectMs: number;
  inspectRssKb: number | null;
  /** The UI's first frame of a first open (the real binary in tmux), from process start. */
  firstFrameMs: number | null;
  reopenMs: number;
  ociGzipMs: number;
  ociGzipRssKb: number | null;
  tarMs: number;
  gzipTarMs: number;
  diveMs: number | null;
  diveRssKb: number | null;
}

/** An OCI layout of plain layer tars compressed with gzip (level 1: this is setup), written streaming. */
async function writeGzipLayout(dir: string, layerTars: string[]): Promise<string[]> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (bytes: Buffer) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(path.join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  const layers: { mediaType: string; digest: string; size: number }[] = [];
  const diffIds: string[] = [];
  const files: string[] = [];
  for (const tarFile of layerTars) {
    const diff = createHash('sha256');
    const blob = createHash('sha256');
    const temp = path.join(blobs, 'incoming');
    const out = fs.createWriteStream(temp);
    const gzip = zlib.createGzip({ level: 1 });
    gzip.on('data', (c: Buffer) => blob.update(c));
    const source = fs.createReadStream(tarFile, { highWaterMark: 1 << 20 });
    source.on('data', (c) => diff.update(c as Buffer));
    await pipeline(source, gzip, out);
    const hex = blob.digest('hex');
    fs.renameSync(temp, path.join(blobs, hex));
    files.push(path.join(blobs, hex));
    diffIds.push(`sha256:${diff.digest('hex')}`);
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${hex}`, size: fs.statSync(path.join(blobs, hex)).size });
  }
  const config = put(imageConfigBytes(diffIds, layerTars.map((_, i) => ({ created_by: `/bin/sh -c make layer ${i}` }))));
  const manifest = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers })));
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }));
  return files;
}

/** The ~1 GB image (a 400 MB layer among 37.5k entries; the engine bench's), as a docker save and an OCI gzip layout. */
export async function gigabyteImage(work: string): Promise<BenchImageFiles> {
  const dir = path.join(work, 'engine-image');
  const made = path.join(dir, 'made.json');
  if (!fs.existsSync(made)) {
    const { writeEngineBenchImage } = await import('./engine-image.js');
    fs.writeFileSync(made, JSON.stringify(await writeEngineBenchImage(dir, 'fathom-bench/engine:1')));
  }
  const image = JSON.parse(fs.readFileSync(made, 'utf8')) as { archive: string; layerTars: string[]; entries: number };
  const ociGzip = path.join(dir, 'oci-gzip');
  const ready = path.join(dir, 'oci-gzip.json');
  if (!fs.existsSync(ready)) {
    fs.rmSync(ociGzip, { recursive: true, force: true });
    fs.writeFileSync(ready, JSON.stringify(await writeGzipLayout(ociGzip, image.layerTars)));
  }
  return { label: '~1 GB image (400 MB layer)', dockerSave: image.archive, layerTars: image.layerTars, ociGzip, gzipBlobs: JSON.parse(fs.readFileSync(ready, 'utf8')) as string[], entries: image.entries };
}

/** The 500k-entry image: 5 layers of 100k small files (and a few of 64 KiB). */
export async function halfMillionImage(work: string): Promise<BenchImageFiles> {
  const dir = path.join(work, 'half-million');
  const made = path.join(dir, 'made.json');
  if (!fs.existsSync(made)) {
    fs.rmSync(dir, { recursive: true, force: true });
    const image = await writeBenchImage(dir, 5, 100_000);
    fs.writeFileSync(made, JSON.stringify(image));
  }
  const image = JSON.parse(fs.readFileSync(made, 'utf8')) as Awaited<ReturnType<typeof writeBenchImage>>;
  const plain = path.join(dir, 'plain-layers');
  const layerTars = fs.readdirSync(plain).sort().map((f) => path.join(plain, f));
  return { label: '500k-entry image', dockerSave: image.dockerSave, layerTars, ociGzip: image.ociGzip, gzipBlobs: image.layerFiles, entries: image.entries };
}

/** `sh -c` of a pipeline, timed (its peak RSS is not the point: it is a peer's time). */
function shellMs(script: string): number {
  return timed('sh', ['-c', script]).ms;
}

/**
 * One image's first open, side by side with its peers in the same run: `inspect` (every blob verified),
 * the UI's first frame, the reopen, the OCI gzip layout, `tar -t` and `gzip -dc | tar -t` over the same
 * layers, and dive when it is on PATH.
 */
export async function runFirstOpenBench(bin: string, work: string, image: BenchImageFiles, runs = 3): Promise<FirstOpenFigures> {
  const fresh = () => fs.mkdtempSync(path.join(work, 'store-first-open-'));
  const cleanup = () => {
    for (const d of fs.readdirSync(work)) if (d.startsWith('store-first-open-')) fs.rmSync(path.join(work, d), { recursive: true, force: true });
  };
  const inspect = (source: string, store: string) => timed(process.execPath, [bin, 'inspect', source, '--json', '--files', 'none', '--store', store]);
  const inspects = Array.from({ length: runs }, () => inspect(image.dockerSave, fresh()));
  cleanup();
  const gzips = Array.from({ length: runs }, () => inspect(image.ociGzip, fresh()));
  cleanup();
  const warm = fresh();
  inspect(image.dockerSave, warm);
  const reopenMs = median(Array.from({ length: runs }, () => inspect(image.dockerSave, warm).ms));
  fs.rmSync(warm, { recursive: true, force: true });
  const firstFrameMs = await firstFrameOfOpen(bin, image.dockerSave, fresh, runs);
  cleanup();
  const quoted = (files: string[]) => files.map((f) => `'${f}'`).join(' ');
  const tarMs = median(Array.from({ length: runs }, () => shellMs(`for f in ${quoted(image.layerTars)}; do tar -tf "$f" > /dev/null; done`)));
  const gzipTarMs = median(Array.from({ length: runs }, () => shellMs(`for f in ${quoted(image.gzipBlobs)}; do gzip -dc "$f" | tar -t > /dev/null; done`)));
  let diveMs: number | null = null;
  let diveRssKb: number | null = null;
  if (spawnSync('sh', ['-c', 'command -v dive'], { stdio: 'ignore' }).status === 0) {
    const dives = Array.from({ length: runs }, () => timed('dive', ['--source', 'docker-archive', image.dockerSave, '--json', path.join(work, 'dive.json')]));
    diveMs = median(dives.map((d) => d.ms));
    diveRssKb = median(dives.map((d) => d.rssKb ?? 0)) || null;
  }
  const rss = (xs: { rssKb: number | null }[]) => (xs.every((x) => x.rssKb !== null) ? median(xs.map((x) => x.rssKb!)) : null);
  return {
    image,
    tarBytes: image.layerTars.reduce((n, f) => n + fs.statSync(f).size, 0),
    inspectMs: median(inspects.map((r) => r.ms)),
    inspectRssKb: rss(inspects),
    firstFrameMs,
    reopenMs,
    ociGzipMs: median(gzips.map((r) => r.ms)),
    ociGzipRssKb: rss(gzips),
    tarMs,
    gzipTarMs,
    diveMs,
    diveRssKb,
  };
}
