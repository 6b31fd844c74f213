import { nodeZlib } from '../lazy-node.js';
import { Decompress as ZstdDecompress } from 'fzstd';
import { FathomError } from '../errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

/** Decides by magic bytes, not by media type: tools label blobs wrongly (skopeo 1.9 calls plain tars gzip). */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  // A zstd stream may start with a skippable frame (magic 0x184D2A50..5F), as `zstd -d` accepts.
  if (head.length >= 4 && (head[0] & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18) return 'zstd';
  return 'none';
}

/** The largest zstd window fathom inflates: `zstd -d`'s own default limit (--memory=128MB, windowLog 27). */
export const ZSTD_MAX_WINDOW = 128 << 20;

/**
 * Walks a zstd stream's frames and blocks as it arrives, ahead of the decoder, to read each frame's
 * window size before the decoder allocates it: a tiny blob may ask for a window of gigabytes.
 */
class ZstdFrameGuard {
  private pending = Buffer.alloc(0);
  /** Bytes to pass over before the next header (block contents, skippable payloads). */
  private skip = 0;
  private state: 'magic' | 'frame-header' | 'block' | 'checksum' = 'magic';
  private checksum = false;

  constructor(private readonly where: string) {}

  push(chunk: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length);
        this.skip -= n;
        data = data.subarray(n);
        if (this.skip > 0) break;
      }
      const used = this.step(data);
      if (used < 0) break;
      data = data.subarray(used);
    }
    this.pending = Buffer.from(data);
  }

  /** Reads one header from `data`; returns the bytes it took, or -1 when more are needed. */
  private step(data: Buffer): number {
    switch (this.state) {
      case 'magic': {
        if (data.length < 8) return -1;
        const magic = data.readUInt32LE(0);
        if ((magic & 0xfffffff0) === 0x184d2a50) {
          this.skip = data.readUInt32LE(4);
          return 8;
        }
        if (magic !== 0xfd2fb528) throw new FathomError(`${this.where}: bad zstd stream (no frame magic where a frame must start)`);
        this.state = 'frame-header';
        return 4;
      }
      case 'frame-header': {
        const flags = data[0];
        if (flags === undefined) return -1;
        const singleSegment = (flags >> 5) & 1;
        const dictBytes = [0, 1, 2, 4][flags & 3];
        const fcsField = flags >> 6;
        const fcsBytes = fcsField === 0 ? singleSegment : 1 << fcsField;
        const length = 1 + (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
        if (data.length < length) return -1;
        let window: number;
        if (singleSegment) {
          const at = 1 + dictBytes;
          window = fcsBytes === 1 ? data[at] : fcsBytes === 2 ? data.readUInt16LE(at) + 256 : fcsBytes === 4 ? data.readUInt32LE(at) : Number(data.readBigUInt64LE(at));
        } else {
          const base = 2 ** (10 + (data[1] >> 3));
          window = base + (base / 8) * (data[1] & 7);
        }
        if (window > ZSTD_MAX_WINDOW) {
          throw new FathomError(`${this.where}: zstd frame needs a ${Math.round(window / 2 ** 20)} MiB window, over the ${ZSTD_MAX_WINDOW / 2 ** 20} MiB that zstd -d allows by default (made with --long?)`);
        }
        this.checksum = ((flags >> 2) & 1) === 1;
        this.state = 'block';
        return length;
      }
      case 'block': {
        if (data.length < 3) return -1;
        const header = data[0] | (data[1] << 8) | (data[2] << 16);
        const last = header & 1;
        const type = (header >> 1) & 3;
        if (type === 3) throw new FathomError(`${this.where}: bad zstd stream (reserved block type)`);
        this.skip = type === 1 ? 1 : header >>> 3;
        if (last) this.state = this.checksum ? 'checksum' : 'magic';
        return 3;
      }
      case 'checksum':
        // The frame's 4-byte checksum: passed over on the next turn, then a new frame (or the end).
        this.skip = 4;
        this.state = 'magic';
        return 0;
    }
  }
}

/** Feeds compressed chunks in, hands plain chunks to `onOutput` in order. */
export interface Decompressor {
  push(chunk: Buffer): Promise<void> | void;
  finish(): Promise<void> | void;
}

export function createDecompressor(kind: Compression, onOutput: (chunk: Buffer) => void, where: string): Decompressor {
  switch (kind) {
    case 'none':
      return { push: onOutput, finish: () => {} };
    case 'zstd':
      return zstdDecompressor(onOutput, where);
    case 'gzip':
      return gzipDecompressor(onOutput, where);
  }
}

function zstdDecompressor(onOutput: (chunk: Buffer) => void, where: string): Decompressor {
  let outputError: unknown = null;
  const stream = new ZstdDecompress((data) => {
    if (outputError) return;
    try {
      onOutput(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    } catch (e) {
      outputError = e;
    }
  });
  const guard = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      throw new FathomError(`${where}: bad zstd stream (${(e as Error).message || 'corrupt data'})`);
    }
    if (outputError) throw outputError;
  };
  const frames = new ZstdFrameGuard(where);
  return {
    push: (chunk) => {
      frames.push(chunk); // first: a frame's window is judged before the decoder allocates it
      guard(() => stream.push(chunk));
    },
    // A frame cut short ends the output early; the tar parser and the diff ID check then refuse the layer.
    finish: () => guard(() => stream.push(new Uint8Array(0), true)),
  };
}

function gzipDecompressor(onOutput: (chunk: Buffer) => void, where: string): Decompressor {
  const gunzip = nodeZlib().createGunzip({ chunkSize: 256 * 1024 });
  let failure: unknown = null;
  const fail = (e: unknown) => {
    failure ??= e;
    gunzip.destroy();
  };
  gunzip.on('data', (chunk: Buffer) => {
    if (failure) return;
    try {
      onOutput(chunk);
    } catch (e) {
      fail(e);
    }
  });
  gunzip.on('error', (e) => fail(new FathomError(`${where}: bad gzip stream (${e.message})`)));
  // Settles on every way the stream can stop: end, error, or our own destroy.
  const stopped = new Promise<void>((resolve) => {
    gunzip.on('end', resolve);
    gunzip.on('close', resolve);
  });
  const check = () => {
    if (failure) throw failure;
  };
  return {
    // Settles once the chunk has been inflated whole (the write's callback), not merely queued: the
    // reader may then fill its buffer again (see readRange in store/index-worker.ts).
    push: async (chunk) => {
      check();
      await Promise.race([new Promise<void>((resolve) => gunzip.write(chunk, () => resolve())), stopped]);
      check();
    },
    finish: async () => {
      check();
      gunzip.end();
      await stopped;
      check();
    },
  };
}
