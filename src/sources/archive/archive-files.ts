import fs from 'node:fs';
import path from 'node:path';
import { FathomError } from '../../errors.js';
import { BLOCK, applyOverrides, isMetaType, isZeroBlock, paddedSize, parsePax, parseRawHeader } from '../../tar/header.js';

/** Named files inside an image container format: a directory, or a tar read by seeking. */
export interface ArchiveFiles {
  /** The path shown in errors. */
  readonly label: string;
  has(name: string): boolean;
  size(name: string): number;
  read(name: string): Buffer;
  stream(name: string): AsyncIterable<Buffer>;
  /** Where the member's bytes sit on disk, so the store can refer to them instead of copying. */
  location?(name: string): BlobLocation;
  /** For a member the source is putting into the store itself (an engine's export): settles once it is there. */
  storing?(name: string): Promise<unknown> | undefined;
}

export interface BlobLocation {
  path: string;
  offset: number;
  size: number;
}

const READ_CHUNK = 1 << 20;
const MAX_METADATA_BYTES = 64 << 20;

/** Clean relative member names; a name that climbs out of its container is refused. */
function memberName(name: string, label: string): string {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new FathomError(`${label}: "${name}" points outside the archive`);
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

interface TarMember {
  offset: number;
  size: number;
  typeflag: string;
  linkname: string;
}

/**
 * A tar archive (docker save, OCI archive) indexed by reading only its headers: each header says how
 * far to seek to the next, so a multi-gigabyte archive is mapped in a few hundred small reads.
 */
export class TarFiles implements ArchiveFiles {
  private readonly members = new Map<string, TarMember>();
  private readonly fileSize: number;

  constructor(readonly label: string) {
    let fd: number;
    try {
      // Without blocking: a FIFO must be refused, not waited on.
      fd = fs.openSync(label, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
      throw new FathomError(`${label}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new FathomError(`${label}: not a regular file (${kindOf(st)}): refused`);
      this.fileSize = st.size;
      this.scan(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  private scan(fd: number): void {
    const header = Buffer.alloc(BLOCK);
    let pos = 0;
    let pax: Record<string, string> | null = null;
    let longName: string | null = null;
    let longLink: string | null = null;
    for (;;) {
      // A member's data is padded to a whole block: a file that ends inside that padding was cut short
      // (Go's archive/tar, which docker load reads with, says "unexpected EOF"), even if the data is whole.
      if (pos > this.fileSize) throw new FathomError(`${this.label}: truncated archive (ends at byte ${this.fileSize}, inside the padding of the member before byte ${pos})`);
      const got = fs.readSync(fd, header, 0, BLOCK, pos);
      if (got === 0) break; // no end marker, at a block boundary: accept, as GNU tar and Go's archive/tar do
      if (got < BLOCK && pos === 0) throw new FathomError(`${this.label}: not an image archive (${got} bytes: too short to be a tar)`);
      if (got < BLOCK) throw new FathomError(`${this.label}: truncated archive (ends inside a header at byte ${pos})`);
      if (isZeroBlock(header, 0)) {
        this.onlyZerosFrom(fd, pos);
        break;
      }
      const h = parseRawHeader(header, 0, () => `${this.label}: at byte ${pos}`);
      // Every step moves forward: a size that is negative or no number would step back or stand still.
      if (!Number.isSafeInteger(h.size) || h.size < 0) throw new FathomError(`${this.label}: member ${JSON.stringify(h.name)} at byte ${pos} has an impossible size (${h.size})`);
      const dataAt = pos + BLOCK;
      const hasData = !'123456'.includes(h.typeflag);
      if (isMetaType(h.typeflag)) {
        if (h.size > MAX_METADATA_BYTES) throw new FathomError(`${this.label}: extended header at byte ${pos} is too large`);
        const data = Buffer.alloc(h.size);
        if (fs.readSync(fd, data, 0, h.size, dataAt) < h.size) throw new FathomError(`${this.label}: truncated archive (inside an extended header)`);
        if (h.typeflag === 'x') pax = { ...(pax ?? {}), ...parsePax(data, `${this.label}: at byte ${pos}`) };
        else if (h.typeflag === 'L') longName = data.toString('utf8').replace(/\0.*$/s, '');
        else if (h.typeflag === 'K') longLink = data.toString('utf8').replace(/\0.*$/s, '');
        pos = dataAt + paddedSize(h.size);
        continue;
      }
      applyOverrides(h, pax, longName, longLink);
      if (!Number.isSafeInteger(h.size) || h.size < 0) throw new FathomError(`${this.label}: member ${JSON.stringify(h.name)} at byte ${pos} has an impossible size (${h.size})`);
      pax = longName = longLink = null;
      const size = hasData ? h.size : 0;
      const name = memberName(h.name, this.label);
      if (dataAt + size > this.fileSize) {
        throw new FathomError(`${this.label}: truncated archive: "${h.name}" needs ${dataAt + size} bytes but the file has ${this.fileSize}`);
      }
      if (name) this.members.set(name, { offset: dataAt, size, typeflag: h.typeflag, linkname: h.linkname });
      pos = dataAt + paddedSize(size);
    }
  }

  /**
   * After the end-of-archive marker there may be only zeros (a writer pads to its record size): tar and
   * Go's archive/tar, which docker load reads with, stop at the marker, so members after it are not in the
   * archive. Data there is a damaged archive (a header zeroed out ends it early: a Docker 26 save whose
   * manifest.json header was zeroed read as the OCI layout before it), or two archives joined: refused.
   */
  private onlyZerosFrom(fd: number, end: number): void {
    const piece = Buffer.alloc(64 << 10);
    for (let at = end; at < this.fileSize; ) {
      const got = fs.readSync(fd, piece, 0, Math.min(piece.length, this.fileSize - at), at);
      if (got === 0) return;
      for (let i = 0; i < got; i++) {
        if (piece[i] !== 0) throw new FathomError(`${this.label}: damaged archive: data at byte ${at + i}, after its end-of-archive marker at byte ${end} (a zeroed header, or two archives joined)`);
      }
      at += got;
    }
  }

  private resolve(name: string, depth = 0): TarMember & { name: string } {
    const clean = memberName(name, this.label);
    const m = this.members.get(clean);
    if (!m) throw new FathomError(`${this.label}: "${name}" is missing from the archive`);
    if ((m.typeflag === '2' || m.typeflag === '1') && depth < 16) {
      // docker save stores a repeated layer as a link to the first copy ("../<id>/layer.tar").
      const target = m.typeflag === '2' ? path.posix.join(path.posix.dirname(clean), m.linkname) : m.linkname;
      return this.resolve(target, depth + 1);
    }
    return { ...m, name: clean };
  }

  has(name: string): boolean {
    return this.members.has(memberName(name, this.label));
  }

  size(name: string): number {
    return this.resolve(name).size;
  }

  read(name: string): Buffer {
    const m = this.resolve(name);
    if (m.size > MAX_METADATA_BYTES) throw new FathomError(`${this.label}: "${name}" is too large to be metadata`);
    const fd = fs.openSync(this.label, 'r');
    try {
      const buf = Buffer.alloc(m.size);
      fs.readSync(fd, buf, 0, m.size, m.offset);
      return buf;
    } finally {
      fs.closeSync(fd);
    }
  }

  async *stream(name: string): AsyncIterable<Buffer> {
    const m = this.resolve(name);
    if (m.size === 0) return;
    yield* fs.createReadStream(this.label, { start: m.offset, end: m.offset + m.size - 1, highWaterMark: READ_CHUNK });
  }

  location(name: string): BlobLocation {
    const m = this.resolve(name);
    return { path: path.resolve(this.label), offset: m.offset, size: m.size };
  }

  names(): string[] {
    return [...this.members.keys()];
  }
}

/** An OCI image layout directory. */
export class DirFiles implements ArchiveFiles {
  constructor(readonly label: string) {}

  private file(name: string): string {
    return path.join(this.label, memberName(name, this.label));
  }

  has(name: string): boolean {
    return fs.existsSync(this.file(name));
  }

  size(name: string): number {
    return this.stat(name).size;
  }

  /** A member's facts; only a regular file is one (a device or a FIFO would never end, or never start). */
  private stat(name: string): fs.Stats {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file(name));
    } catch {
      throw new FathomError(`${this.label}: ${JSON.stringify(name)} is missing`);
    }
    if (!st.isFile()) throw new FathomError(`${this.label}: ${JSON.stringify(name)} is not a regular file (${kindOf(st)}): refused`);
    return st;
  }

  read(name: string): Buffer {
    const size = this.stat(name).size;
    if (size > MAX_METADATA_BYTES) throw new FathomError(`${this.label}: ${JSON.stringify(name)} is too large to be metadata`);
    // Opened without blocking and checked again (it may have been swapped for a FIFO since), then read
    // for at most the bytes stat gave, plus one to notice a file that grew.
    const fd = fs.openSync(this.file(name), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      if (!fs.fstatSync(fd).isFile()) throw new FathomError(`${this.label}: ${JSON.stringify(name)} is not a regular file: refused`);
      const buf = Buffer.alloc(size + 1);
      let got = 0;
      for (let n; got < buf.length && (n = fs.readSync(fd, buf, got, buf.length - got, got)) > 0; ) got += n;
      if (got !== size) throw new FathomError(`${this.label}: ${JSON.stringify(name)} changed while it was read`);
      return buf.subarray(0, got);
    } finally {
      fs.closeSync(fd);
    }
  }

  location(name: string): BlobLocation {
    return { path: path.resolve(this.file(name)), offset: 0, size: this.stat(name).size };
  }

  async *stream(name: string): AsyncIterable<Buffer> {
    this.stat(name);
    yield* fs.createReadStream(this.file(name), { highWaterMark: READ_CHUNK });
  }
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

export function parseJson<T>(files: ArchiveFiles, name: string): T {
  const text = files.read(name).toString('utf8');
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new FathomError(`${files.label}: ${name} is not valid JSON (${(e as Error).message})`);
  }
}
