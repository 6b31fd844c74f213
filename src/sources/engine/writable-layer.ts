import tar from 'tar-stream';
import { FathomError } from '../../errors.js';
import { humanBytes, terminalSafe } from '../../format.js';
import { TarStreamParser } from '../../tar/stream-parser.js';
import type { TarHeader } from '../../tar/header.js';
import { explainConnectionError, isConnectionError, type Engine } from './connection.js';
import { rawChanges } from './containers.js';

/** A container's writable layer put into a tar as an image layer would hold it: what `docker diff` lists. */
export interface WritableLayer {
  tar: Buffer;
  changes: number;
  takenAt: Date;
}

/** More than this much file content, and the layer is too big to gather through the API for a view. */
const MAX_CONTENT_BYTES = 512 << 20;
const MAX_CHANGES = 20_000;

/** The first entry of the engine's archive of one path (GET /containers/ID/archive): its header, and its bytes for a file. */
async function firstEntry(engine: Engine, id: string, path: string): Promise<{ header: TarHeader; content: Buffer | null } | null> {
  let stream: NodeJS.ReadableStream & { destroy?: () => void };
  try {
    stream = (await engine.docker.getContainer(id).getArchive({ path })) as typeof stream;
  } catch (e) {
    // Gone since `docker diff` listed it (the container is live): the layer is read as it is now.
    if ((e as { statusCode?: number }).statusCode === 404) return null;
    if (isConnectionError(e)) throw explainConnectionError(e, engine.endpoint);
    throw new FathomError(`container ${id.slice(0, 12)}: reading ${JSON.stringify(terminalSafe(path))}: ${terminalSafe(String((e as Error).message))}`);
  }
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (value: { header: TarHeader; content: Buffer | null } | null, error?: Error) => {
      if (done) return;
      done = true;
      stream.destroy?.();
      if (error) reject(error);
      else resolve(value);
    };
    const parser = new TarStreamParser((header) => {
      if (done) return null;
      if (header.typeflag !== '0' && header.typeflag !== '\0' && header.typeflag !== '7') {
        finish({ header, content: null });
        return null;
      }
      if (header.size === 0) {
        finish({ header, content: Buffer.alloc(0) });
        return null;
      }
      const parts: Buffer[] = [];
      let got = 0;
      return (chunk) => {
        parts.push(Buffer.from(chunk));
        got += chunk.length;
        if (got >= header.size) finish({ header, content: Buffer.concat(parts, header.size) });
      };
    }, `container ${id.slice(0, 12)}: archive of ${path}`);
    stream.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (e) {
        finish(null, e as Error);
      }
    });
    stream.on('end', () => finish(null));
    stream.on('error', (e: Error) => finish(null, e));
  });
}

const TYPES: Record<string, tar.Header['type']> = { '0': 'file', '\0': 'file', '7': 'file', '2': 'symlink', '3': 'character-device', '4': 'block-device', '5': 'directory', '6': 'fifo' };

/**
 * Gathers a container's writable layer through the Engine API (any storage driver, a remote engine too):
 * `docker diff` for what changed, then each added or changed path's own header and bytes from the
 * engine's archive of it, and a whiteout for each deleted one. What comes out is a layer tar, so it is
 * indexed, stacked and shown as any image layer is.
 */
export async function writableLayerTar(engine: Engine, id: string): Promise<WritableLayer> {
  const takenAt = new Date();
  const changes = await rawChanges(engine, id);
  if (changes.length > MAX_CHANGES) throw new FathomError(`container ${id.slice(0, 12)}: ${changes.length} changes, more than the ${MAX_CHANGES} fathom gathers through the engine for a view; \`docker export\` it and open the tar`);
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  let content = 0;
  for (const c of changes) {
    const name = c.path.replace(/^\/+/, '');
    if (!name) continue;
    if (c.kind === 'D') {
      const slash = name.lastIndexOf('/');
      pack.entry({ name: `${name.slice(0, slash + 1)}.wh.${name.slice(slash + 1)}`, mode: 0o644, mtime: takenAt }, '');
      continue;
    }
    const found = await firstEntry(engine, id, c.path);
    if (!found) continue;
    const h = found.header;
    const type = TYPES[h.typeflag];
    if (!type) continue; // a hard link (the archive of one path holds none) or an unknown type
    content += found.content?.length ?? 0;
    if (content > MAX_CONTENT_BYTES) throw new FathomError(`container ${id.slice(0, 12)}: its writable layer holds more than ${humanBytes(MAX_CONTENT_BYTES)}; \`docker export\` it and open the tar`);
    const header = { name: type === 'directory' ? `${name}/` : name, type, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, mtime: new Date(h.mtime * 1000), ...(h.linkname && { linkname: h.linkname }), devmajor: h.devmajor, devminor: h.devminor } as tar.Header;
    if (type === 'file') pack.entry({ ...header, size: found.content!.length }, found.content!);
    else pack.entry(header);
  }
  pack.finalize();
  await ended;
  return { tar: Buffer.concat(chunks), changes: changes.length, takenAt };
}
