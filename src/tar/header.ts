import { FathomError } from '../errors.js';
import { decodeName } from './name-bytes.js';

/** One tar header after PAX and GNU long-name records have been folded in. */
export interface TarHeader {
  name: string;
  /** The header's typeflag character ('0' file, '5' dir, …). */
  typeflag: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch; may be negative or fractional (PAX). */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** PAX keys this entry carried, if any. */
  pax: Record<string, string> | null;
}

export const BLOCK = 512;

/** Rounds a content size up to whole 512-byte blocks. */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');

/** The POSIX magic "ustar\0" at offset 257 (GNU writes "ustar  \0" there). */
function isUstar(buf: Buffer, start: number): boolean {
  for (let i = 0; i < USTAR_MAGIC.length; i++) if (buf[start + 257 + i] !== USTAR_MAGIC[i]) return false;
  return true;
}

function cString(buf: Buffer, start: number, length: number): string {
  if (buf[start] === 0) return ''; // most link names and prefixes
  let end = start;
  const limit = start + length;
  while (end < limit && buf[end] !== 0) end++;
  return decodeName(buf, start, end);
}

/** Tar numbers are octal text, or base-256 (high bit set) for values that don't fit. */
function tarNumber(buf: Buffer, start: number, length: number): number {
  const first = buf[start];
  if (first & 0x80) {
    // Two's complement, big-endian; 0xff lead byte means negative (e.g. mtimes before 1970).
    if (first === 0xff) {
      let inverted = 0;
      for (let i = 1; i < length; i++) inverted = inverted * 256 + (255 - buf[start + i]);
      return -(inverted + 1);
    }
    let positive = first & 0x7f;
    for (let i = 1; i < length; i++) positive = positive * 256 + buf[start + i];
    return positive;
  }
  let value = 0;
  let seen = false;
  for (let i = start; i < start + length; i++) {
    const c = buf[i];
    if (c === 0 || (c === 0x20 && seen)) break;
    if (c === 0x20) continue;
    if (c < 0x30 || c > 0x37) return NaN;
    value = value * 8 + (c - 0x30);
    seen = true;
  }
  return value;
}

export function isZeroBlock(buf: Buffer, start: number): boolean {
  for (let i = start; i < start + BLOCK; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * The last buffer's memory as 32-bit words: a blob's headers are read through one buffer (or a few), so
 * the view is made once per buffer, not once per header.
 */
let wordsOf: ArrayBufferLike | null = null;
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/**
 * Where a header that does not start on a 4-byte boundary is copied to be summed by words: one copy of
 * 512 bytes costs less than summing them one at a time (an engine's tar-split record puts each header
 * after the last file's padding, at any offset of its segment).
 */
const aligned = Buffer.allocUnsafeSlow(BLOCK);
const alignedWords = new Uint32Array(aligned.buffer, aligned.byteOffset, BLOCK >>> 2);

/** Σ of a header's bytes as unsigned numbers, the checksum field counted as eight spaces. */
function unsignedSum(buf: Buffer, start: number): number {
  const at = buf.byteOffset + start;
  let view: Uint32Array<ArrayBufferLike>;
  let first: number;
  if ((at & 3) !== 0) {
    buf.copy(aligned, 0, start, start + BLOCK);
    view = alignedWords;
    first = 0;
  } else {
    if (wordsOf !== buf.buffer) {
      wordsOf = buf.buffer;
      words = new Uint32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2);
    }
    view = words;
    first = at >>> 2;
  }
  // A word's four bytes are summed two at a time, in two 16-bit lanes (126 words never fill a lane).
  // Words 37 and 38 are the checksum field.
  let lanes = 0;
  for (let k = first; k < first + 37; k++) lanes += (view[k] & 0x00ff00ff) + ((view[k] >>> 8) & 0x00ff00ff);
  for (let k = first + 39; k < first + 128; k++) lanes += (view[k] & 0x00ff00ff) + ((view[k] >>> 8) & 0x00ff00ff);
  return 8 * 0x20 + (lanes & 0xffff) + (lanes >>> 16);
}

function checksumMatches(buf: Buffer, start: number): boolean {
  const stored = tarNumber(buf, start + 148, 8);
  if (stored === unsignedSum(buf, start)) return true;
  // Some old tars summed signed bytes; only worth computing when the usual sum fails.
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const b = buf[start + i];
    signed += b > 127 ? b - 256 : b;
  }
  return stored === signed;
}

/** A raw 512-byte header, before any PAX/GNU overrides. Throws on a bad checksum. */
export function parseRawHeader(buf: Buffer, start: number, where: () => string): TarHeader {
  if (!checksumMatches(buf, start)) {
    throw new FathomError(`${where()}: not a tar header (bad checksum) — the archive is corrupt or not a tar`);
  }
  let name = cString(buf, start, 100);
  // POSIX ustar splits long paths into prefix + name; GNU's old format uses that field for other things.
  if (isUstar(buf, start)) {
    const prefix = cString(buf, start + 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const typeflagByte = buf[start + 156];
  return {
    name,
    typeflag: typeflagByte === 0 ? '0' : String.fromCharCode(typeflagByte),
    size: tarNumber(buf, start + 124, 12),
    mode: tarNumber(buf, start + 100, 8),
    uid: tarNumber(buf, start + 108, 8),
    gid: tarNumber(buf, start + 116, 8),
    mtime: tarNumber(buf, start + 136, 12),
    linkname: cString(buf, start + 157, 100),
    devmajor: tarNumber(buf, start + 329, 8) || 0,
    devminor: tarNumber(buf, start + 337, 8) || 0,
    pax: null,
  };
}

/** Parses PAX extended-header records: "LEN key=value\n" repeated. */
export function parsePax(data: Buffer, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    const len = space > pos ? Number(data.toString('latin1', pos, space)) : NaN;
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length) {
      throw new FathomError(`${where}: malformed PAX extended header`);
    }
    const record = decodeName(data, space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq <= 0) throw new FathomError(`${where}: malformed PAX record "${record.slice(0, 40)}"`);
    out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

/** Applies the PAX keys and GNU long names gathered before a header. */
export function applyOverrides(
  header: TarHeader,
  pax: Record<string, string> | null,
  longName: string | null,
  longLink: string | null,
): TarHeader {
  if (longName !== null) header.name = longName;
  if (longLink !== null) header.linkname = longLink;
  if (pax) {
    header.pax = pax;
    if (pax.path !== undefined) header.name = pax.path;
    if (pax.linkpath !== undefined) header.linkname = pax.linkpath;
    // PAX numbers are decimal text; anything else ("-1", "NaN", "1.5" for a size) is no number at all.
    if (pax.size !== undefined) header.size = paxNumber(pax.size, /^\d+$/);
    if (pax.uid !== undefined) header.uid = paxNumber(pax.uid, /^\d+$/);
    if (pax.gid !== undefined) header.gid = paxNumber(pax.gid, /^\d+$/);
    if (pax.mtime !== undefined) header.mtime = paxNumber(pax.mtime, /^-?\d+(\.\d+)?$/);
  }
  return header;
}

function paxNumber(text: string, form: RegExp): number {
  return form.test(text) ? Number(text) : NaN;
}

/** The largest uid or gid Linux has (uid_t is 32 bits; 2^32-1 itself means "no id"). */
const MAX_ID = 2 ** 32 - 2;

/**
 * Refuses a header whose numbers can't be: a size that is negative, fractional or past 2^53, an owner
 * outside Linux's 32-bit ids, a mode or mtime that is no number. Large valid values pass exactly.
 */
export function checkHeaderNumbers(header: TarHeader, where: string): void {
  // The entry is named only when something is wrong: every header of every layer passes through here.
  const entry = () => `${where}: entry ${JSON.stringify(header.name)}`;
  if (!Number.isSafeInteger(header.size) || header.size < 0) throw new FathomError(`${entry()} has an impossible size (${describeNumber(header.size)})`);
  if (!isId(header.uid)) throw new FathomError(`${entry()} has an impossible uid (${describeNumber(header.uid)})`);
  if (!isId(header.gid)) throw new FathomError(`${entry()} has an impossible gid (${describeNumber(header.gid)})`);
  if (!Number.isSafeInteger(header.mode) || header.mode < 0 || header.mode > 0o7777777) throw new FathomError(`${entry()} has an impossible mode (${describeNumber(header.mode)})`);
  if (!Number.isFinite(header.mtime)) throw new FathomError(`${entry()} has an impossible mtime`);
}

function isId(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 0 && v <= MAX_ID;
}

function describeNumber(v: number): string {
  return Number.isNaN(v) ? 'not a number' : String(v);
}

export function isMetaType(typeflag: string): boolean {
  return typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K';
}
