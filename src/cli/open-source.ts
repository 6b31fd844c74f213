import fs from 'node:fs';
import { FathomError } from '../errors.js';
import { ImageModel } from '../model/image-model.js';
import { loadStoredImage, openImage, type OpenedImage } from '../open-image.js';
import { fileSource, parseSourceSpec } from '../sources/source-spec.js';
import { progressLine, type EngineReadChoice, type ImageSource, type IngestProgress } from '../sources/types.js';
import { LayerStore, defaultStoreRoot } from '../../store/store.js';
import { engineSource } from '../sources/engine/engine-source.js';
import type { RegistryOptions } from '../sources/registry/registry-source.js';
import { imageName, type ManifestRef, type RegistryHost } from '../sources/registry/reference.js';

export interface OpenOptions {
  store?: string;
  tag?: string;
  platform?: string;
  host?: string;
  /** Keep a copy of blobs that sit in local archives (default: a verified reference). */
  'copy-blobs'?: boolean;
  /** Print ingest progress on stderr (only when it is a terminal). */
  progress?: boolean;
  /** For engine images: `store` (the engine's own layer store), `export`, or `auto` (the store when it can be read). */
  'engine-read'?: string;
  /** For registries: plain HTTP, or HTTPS without checking the certificate. */
  insecure?: boolean;
  username?: string;
  /** The password for --username, read from standard input (as `docker login --password-stdin`). */
  'password-stdin'?: boolean;
}

/** What the user said about a registry: --insecure, and --username with the password on stdin. */
export function registryOptions(opts: OpenOptions, readStdin: () => string = () => fs.readFileSync(0, 'utf8')): RegistryOptions {
  if (opts['password-stdin'] && !opts.username) throw new FathomError('--password-stdin needs --username');
  if (opts.username !== undefined && !opts['password-stdin']) throw new FathomError('--username needs --password-stdin (the password is never taken as an argument)');
  let credentials: RegistryOptions['credentials'] = null;
  if (opts.username !== undefined) {
    const password = readStdin().replace(/\r?\n$/, '');
    if (password === '') throw new FathomError('--password-stdin: standard input is empty');
    credentials = { username: opts.username, password, origin: '--username' };
  }
  return { insecure: opts.insecure === true, credentials };
}

function engineReadChoice(value: string | undefined): EngineReadChoice {
  if (value === undefined) return 'auto';
  if (value === 'store' || value === 'export' || value === 'auto') return value;
  throw new FathomError(`--engine-read ${JSON.stringify(value)}: use store, export or auto`);
}

export function openStore(dir: string | undefined, copyBlobs = false): LayerStore {
  return new LayerStore(dir ?? process.env.FATHOM_STORE ?? defaultStoreRoot(), copyBlobs || process.env.FATHOM_COPY_BLOBS === '1');
}

export function sourceFor(input: string, opts: OpenOptions): ImageSource {
  const spec = parseSourceSpec(input);
  switch (spec.kind) {
    case 'engine':
      return engineSource(spec.engine, spec.ref, { host: opts.host, fallbackMessage: spec.bare ? `${input}: no such file or directory` : undefined });
    case 'store':
      throw new FathomError('internal: store sources are opened directly');
    case 'registry':
      if (spec.repository === null) throw new FathomError(`${input}: names a registry, not an image: add /REPOSITORY[:TAG] (or run \`fathom ${input}\` to browse it)`);
      return lazyRegistrySource(spec.host, spec.repository, spec.ref, registryOptions(opts));
    default:
      return fileSource(spec);
  }
}

/**
 * A registry image, its HTTP and TLS code loaded only when it is opened: `node:https` and `node:tls`
 * cost every other command several milliseconds of start-up.
 */
function lazyRegistrySource(host: RegistryHost, repository: string, ref: ManifestRef, options: RegistryOptions): ImageSource {
  return {
    spec: `registry://${imageName(host, repository, ref)}`,
    async resolve(o) {
      const { registryImageSource } = await import('../sources/registry/registry-source.js');
      return registryImageSource(host, repository, ref, options).resolve(o);
    },
  };
}

/** Progress on stderr, redrawn in place; while a source is still preparing, its wait is redrawn every second. */
function progressPrinter(): { onProgress: (p: IngestProgress) => void; stop: () => void } {
  const startedAt = Date.now();
  let last = 0;
  let waiting: ReturnType<typeof setInterval> | null = null;
  const draw = (p: IngestProgress) => process.stderr.write(`\r\x1b[K${progressLine(p, (Date.now() - startedAt) / 1000)}`);
  const stop = () => {
    if (waiting) clearInterval(waiting);
    waiting = null;
  };
  const onProgress = (p: IngestProgress) => {
    stop();
    if (p.waitingFor) {
      draw(p);
      waiting = setInterval(() => draw(p), 1000);
      waiting.unref();
      return;
    }
    const now = Date.now();
    if (now - last < 100 && p.layersDone < p.layersTotal) return;
    last = now;
    draw(p);
    if (p.layersDone === p.layersTotal) process.stderr.write('\r\x1b[K');
  };
  return { onProgress, stop };
}

/** Opens any source (a `store://` reference included) into the store and builds its model. */
export async function modelFor(
  input: string,
  store: LayerStore,
  opts: OpenOptions,
  onProgress?: (p: IngestProgress) => void,
  onPreview?: (preview: ImageModel) => Promise<void> | void,
  onFirstLook?: (coming: boolean) => void,
): Promise<{ model: ImageModel; source: string }> {
  const spec = parseSourceSpec(input);
  if (spec.kind === 'store') {
    const found = store.findImages(spec.ref);
    if (found.length === 0) throw new FathomError(`${input}: no such image in the store at ${store.root} (see \`fathom store ls\`)`);
    if (found.length > 1) throw new FathomError(`${input}: matches ${found.length} stored images: ${found.map((r) => r.repoTags[0] ?? r.id.slice(7, 19)).join(', ')}`);
    return { model: new ImageModel(loadStoredImage(found[0], store)), source: input };
  }
  const source = sourceFor(input, opts);
  const opened = await openImage(source, store, {
    tag: opts.tag,
    platform: opts.platform,
    engineRead: engineReadChoice(opts['engine-read']),
    onProgress,
    ...(onPreview && { onPreview: (preview: OpenedImage) => onPreview(new ImageModel(preview)) }),
    onFirstLook,
  });
  return { model: new ImageModel(opened), source: source.spec };
}

/** The CLI's open: the store from the options, progress on stderr when it is a terminal. */
export async function openModel(input: string, opts: OpenOptions): Promise<{ model: ImageModel; store: LayerStore; source: string }> {
  const store = openStore(opts.store, opts['copy-blobs']);
  const showProgress = opts.progress !== false && process.stderr.isTTY;
  const printer = showProgress ? progressPrinter() : null;
  let opened: Awaited<ReturnType<typeof modelFor>>;
  try {
    opened = await modelFor(input, store, opts, printer?.onProgress);
  } finally {
    printer?.stop();
  }
  const { model, source } = opened;
  const read = model.engineRead;
  if (read?.via === 'export' && read.why) process.stderr.write(`fathom: ${source}: read through the engine's export: ${read.why}\n`);
  return { model, store, source };
}
