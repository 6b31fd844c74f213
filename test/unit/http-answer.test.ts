import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpAnswerDecoder, HttpAnswerError, type AnswerHead } from '../../src/sources/engine/http-answer.js';

/** Decodes `wire` pushed in the given pieces (each pushed from a scratch buffer that is then overwritten, as one socket buffer is). */
function decode(wire: Buffer, cuts: number[], close = false): { head: AnswerHead | null; body: Buffer; done: boolean } {
  const parts: Buffer[] = [];
  let head: AnswerHead | null = null;
  const decoder = new HttpAnswerDecoder(
    (h) => (head = h),
    (piece) => parts.push(Buffer.from(piece)),
  );
  let at = 0;
  for (const end of [...cuts, wire.length]) {
    const scratch = Buffer.from(wire.subarray(at, end));
    decoder.push(scratch);
    scratch.fill(0x55);
    at = end;
  }
  if (close) decoder.close();
  return { head, body: Buffer.concat(parts), done: decoder.done };
}

function chunked(body: Buffer, sizes: number[], extension = ''): Buffer {
  const out: Buffer[] = [];
  for (let at = 0, k = 0; at < body.length; k++) {
    const n = Math.min(sizes[k % sizes.length], body.length - at);
    out.push(Buffer.from(`${n.toString(16)}${extension}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n'));
    at += n;
  }
  out.push(Buffer.from('0\r\nX-Trailer: yes\r\n\r\n'));
  return Buffer.concat(out);
}

const HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nApi-Version: 1.41\r\n';

describe('reading an HTTP answer as it arrives', () => {
  const body = randomBytes(3000);

  it('a chunked body, pushed in two pieces cut at every byte, is the body, and ends with its last chunk', () => {
    const wire = Buffer.concat([Buffer.from(`${HEAD}Transfer-Encoding: chunked\r\n\r\n`), chunked(body, [1000, 7, 1, 1992], ';name=value'), Buffer.from('after the answer')]);
    for (let cut = 0; cut <= wire.length; cut += 1) {
      const got = decode(wire, [cut]);
      expect(got.head?.statusCode).toBe(200);
      expect(got.head?.headers.get('api-version')).toBe('1.41');
      expect(got.done).toBe(true);
      expect(got.body.equals(body)).toBe(true);
    }
  });

  it('pushed a byte at a time, it is the same', () => {
    const wire = Buffer.concat([Buffer.from(`${HEAD}Transfer-Encoding: chunked\r\n\r\n`), chunked(body, [333])]);
    const got = decode(wire, Array.from({ length: wire.length - 1 }, (_, i) => i + 1));
    expect(got.body.equals(body)).toBe(true);
    expect(got.done).toBe(true);
  });

  it('a Content-Length body ends at its length; what follows is not the body', () => {
    const wire = Buffer.concat([Buffer.from(`${HEAD}Content-Length: ${body.length}\r\n\r\n`), body, Buffer.from('more')]);
    for (const cut of [0, 10, HEAD.length + 20, wire.length - 2]) {
      const got = decode(wire, [cut]);
      expect(got.done).toBe(true);
      expect(got.body.equals(body)).toBe(true);
    }
  });

  it('a body without framing runs to the close; an informational answer before it is skipped', () => {
    const wire = Buffer.concat([Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'), Buffer.from(`${HEAD}\r\n`), body]);
    const open = decode(wire, [5, 40]);
    expect(open.done).toBe(false);
    expect(open.body.equals(body)).toBe(true);
    const closed = decode(wire, [5, 40], true);
    expect(closed.done).toBe(true);
    expect(closed.head?.statusCode).toBe(200);
  });

  it('an error answer is read like any other, its status given', () => {
    const json = Buffer.from('{"message":"no such image"}');
    const got = decode(Buffer.concat([Buffer.from(`HTTP/1.1 404 Not Found\r\nContent-Length: ${json.length}\r\n\r\n`), json]), [3]);
    expect(got.head?.statusCode).toBe(404);
    expect(got.body.toString()).toBe('{"message":"no such image"}');
  });

  const bad: [string, Buffer, string][] = [
    ['not HTTP', Buffer.from('SSH-2.0-OpenSSH_9.2\r\n\r\n'), 'not HTTP/1.1'],
    ['a header line without a colon', Buffer.from(`${HEAD}Nonsense\r\n\r\n`), 'malformed header'],
    ['a chunk size that is not hex', Buffer.from(`${HEAD}Transfer-Encoding: chunked\r\n\r\nzz\r\n`), 'chunk size'],
    ['a chunk size beyond any length', Buffer.from(`${HEAD}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n`), 'chunk size'],
    ['a chunk longer than its size', Buffer.from(`${HEAD}Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n`), 'longer than its size'],
    ['a transfer encoding other than chunked', Buffer.from(`${HEAD}Transfer-Encoding: gzip\r\n\r\n`), 'transfer encoding'],
    ['a Content-Length that is no number', Buffer.from(`${HEAD}Content-Length: -5\r\n\r\n`), 'Content-Length'],
    ['a head that never ends', Buffer.concat([Buffer.from(HEAD), Buffer.alloc(70_000, 0x61)]), 'answer head of more than'],
    ['a chunk-size line that never ends', Buffer.concat([Buffer.from(`${HEAD}Transfer-Encoding: chunked\r\n\r\n1`), Buffer.alloc(5000, 0x30)]), 'more than 4 KiB'],
  ];
  for (const [what, wire, says] of bad) {
    it(`${what}: refused, saying so`, () => {
      for (const cut of [1, Math.floor(wire.length / 2)]) {
        let thrown: unknown = null;
        try {
          decode(wire, [cut]);
        } catch (e) {
          thrown = e;
        }
        expect(thrown).toBeInstanceOf(HttpAnswerError);
        expect((thrown as Error).message).toContain(says);
      }
    });
  }

  it('a connection that closes before the head, or inside a framed body, is an error at close', () => {
    expect(() => decode(Buffer.from('HTTP/1.1 200 OK\r\n'), [], true)).toThrow('before the answer began');
    expect(() => decode(Buffer.from(`${HEAD}Content-Length: 10\r\n\r\nabc`), [], true)).toThrow('in the middle of the answer');
    expect(() => decode(Buffer.from(`${HEAD}Transfer-Encoding: chunked\r\n\r\n5\r\nab`), [], true)).toThrow('in the middle of the answer');
  });
});
