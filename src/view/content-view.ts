/** A file's bytes as viewer lines: text when it decodes as UTF-8 without NULs, else a hex dump. */
export function renderContent(bytes: Buffer, fullSize: number, width: number): { kind: 'text' | 'binary'; lines: string[]; truncated: boolean } {
  const truncated = bytes.length < fullSize;
  const text = bytes.toString('utf8');
  const looksText = !bytes.includes(0) && !text.includes('\uFFFD');
  if (looksText) {
    const lines: string[] = [];
    for (const line of text.replace(/\t/g, '    ').split('\n')) {
      // eslint-disable-next-line no-control-regex
      const clean = line.replace(/[\u0000-\u001f\u007f]/g, '·');
      if (clean.length <= width) lines.push(clean);
      else for (let i = 0; i < clean.length; i += width) lines.push(clean.slice(i, i + width));
    }
    return { kind: 'text', lines, truncated };
  }
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const chunk = bytes.subarray(off, off + 16);
    const hex = [...chunk].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...chunk].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return { kind: 'binary', lines, truncated };
}
