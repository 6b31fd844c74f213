import { describe, expect, it } from 'vitest';
import { LogSplitter } from '../../src/sources/engine/container-actions.js';
import { portsText } from '../../src/sources/engine/containers.js';

describe('container logs as the Engine API sends them', () => {
  const frame = (stream: 1 | 2, text: string) => {
    const body = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };
  it('splits multiplexed frames into lines per stream, across chunk and character boundaries', () => {
    const s = new LogSplitter(true);
    const all = Buffer.concat([frame(1, 'one\ntw'), frame(2, 'oops\n'), frame(1, 'o\ncafé\n')]);
    const cut = all.indexOf(Buffer.from('é')) + 1; // inside the é
    const lines = [...s.push(all.subarray(0, 5)), ...s.push(all.subarray(5, cut)), ...s.push(all.subarray(cut)), ...s.end()];
    expect(lines).toEqual([
      { stream: 'stdout', text: 'one' },
      { stream: 'stderr', text: 'oops' },
      { stream: 'stdout', text: 'two' },
      { stream: 'stdout', text: 'café' },
    ]);
  });
  it('a TTY container\'s raw output is stdout, CRs dropped; a last line without newline comes at the end', () => {
    const s = new LogSplitter(false);
    expect(s.push(Buffer.from('a\r\nb'))).toEqual([{ stream: 'stdout', text: 'a' }]);
    expect(s.end()).toEqual([{ stream: 'stdout', text: 'b' }]);
  });
  it('ports as docker ps shows them', () => {
    expect(portsText([{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { PrivatePort: 443, Type: 'tcp' }])).toBe('0.0.0.0:8080->80/tcp, 443/tcp');
    expect(portsText(undefined)).toBe('');
  });
});
