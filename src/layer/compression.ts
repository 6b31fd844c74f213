import zlib from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { FathomError } from '../errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

/** Decides by magic bytes, not by media type: tools label blobs wrongly (skopeo 1.9 calls plain tars gzip). */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
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
  return {
    push: (chunk) => guard(() => stream.push(chunk)),
    // A frame cut short ends the output early; the tar parser and the diff ID check then refuse the layer.
    finish: () => guard(() => stream.push(new Uint8Array(0), true)),
  };
}

function gzipDecompressor(onOutput: (chunk: Buffer) => void, where: string): Decompressor {
  const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
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
    push: async (chunk) => {
      check();
      if (!gunzip.write(chunk)) await Promise.race([new Promise<void>((resolve) => gunzip.once('drain', resolve)), stopped]);
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
