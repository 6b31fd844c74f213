import { isUtf8 } from 'node:buffer';

/**
 * Tar names are bytes. Most are UTF-8, but a layer may hold `x\xff` and `x\xfe` side by side, and
 * Docker keeps them as two files. fathom holds names as JS strings, so a name that is not UTF-8 is
 * decoded losslessly: every byte that is not part of a valid UTF-8 sequence becomes the lone surrogate
 * U+DC00 + byte (Python's "surrogateescape"). Valid UTF-8 can never decode to a lone surrogate, so the
 * mapping is one-to-one and `encodeName(decodeName(b))` gives `b` back. `JSON.stringify` writes such a
 * unit as `\udcff`, so `--json` keeps the bytes too; terminals see `\xff` (see terminalSafe).
 */

const ESCAPE_BASE = 0xdc00;

/** Whether `s` holds an escaped byte (a unit U+DC80..U+DCFF), i.e. came from a name that is not UTF-8. */
export function hasEscapedBytes(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isEscapedByte(s, i)) return true;
  return false;
}

/** Whether the unit at `i` is an escaped byte: in U+DC80..U+DCFF and not the low half of a pair. */
export function isEscapedByte(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0xdc80 || c > 0xdcff) return false;
  const before = i > 0 ? s.charCodeAt(i - 1) : 0;
  return before < 0xd800 || before > 0xdbff;
}

/** The bytes `start..end` of `buf` as a name; see the module comment. */
export function decodeName(buf: Buffer, start = 0, end = buf.length): string {
  // Native and fast for the usual name; only a U+FFFD in the result (a replaced byte, or a real one)
  // needs a closer look.
  const text = buf.toString('utf8', start, end);
  if (!text.includes('\ufffd')) return text;
  const bytes = buf.subarray(start, end);
  return isUtf8(bytes) ? text : decodeEscaping(bytes);
}

/** Length of the valid UTF-8 sequence at `i`, or 0 when the byte there starts none. */
function sequenceLength(b: Buffer, i: number): number {
  const lead = b[i];
  const cont = (k: number) => i + k < b.length && (b[i + k] & 0xc0) === 0x80;
  if (lead >= 0xc2 && lead <= 0xdf) return cont(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const second = b[i + 1];
    if (lead === 0xe0 && second < 0xa0) return 0; // overlong
    if (lead === 0xed && second >= 0xa0) return 0; // a surrogate, which UTF-8 may not encode
    return 3;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const second = b[i + 1];
    if (lead === 0xf0 && second < 0x90) return 0; // overlong
    if (lead === 0xf4 && second >= 0x90) return 0; // past U+10FFFF
    return 4;
  }
  return 0;
}

function decodeEscaping(bytes: Buffer): string {
  let out = '';
  let run = 0; // start of the current run of valid bytes
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] < 0x80) {
      i++;
      continue;
    }
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += bytes.toString('utf8', run, i) + String.fromCharCode(ESCAPE_BASE + bytes[i]);
    run = ++i;
  }
  return out + bytes.toString('utf8', run, i);
}

/** A name's bytes, as the tar held them: the inverse of decodeName. */
export function encodeName(name: string): Buffer {
  if (!hasEscapedBytes(name)) return Buffer.from(name, 'utf8');
  const parts: Buffer[] = [];
  let run = 0;
  for (let i = 0; i < name.length; i++) {
    if (!isEscapedByte(name, i)) continue;
    parts.push(Buffer.from(name.slice(run, i), 'utf8'), Buffer.of(name.charCodeAt(i) - ESCAPE_BASE));
    run = i + 1;
  }
  parts.push(Buffer.from(name.slice(run), 'utf8'));
  return Buffer.concat(parts);
}

/** How many bytes the name has in the tar. */
export function nameByteLength(name: string): number {
  return hasEscapedBytes(name) ? encodeName(name).length : Buffer.byteLength(name);
}
