/** Sizes as the docker CLI prints them: decimal units, 3 significant digits ("65.6kB", "5.2MB"). */
export function humanBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const text = unit === 0 ? String(value) : String(Number(value.toPrecision(3)));
  return `${text}${units[unit]}`;
}

/** Reads "20MB", "20 MiB", "1.5GB", "512" (bytes) as go-humanize's ParseBytes does. */
export function parseBytes(text: string): number | null {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgtpe]?)(i?)(b?)\s*$/i.exec(text);
  if (!m) return null;
  const [, num, prefix, binary] = m;
  const power = ' kmgtpe'.indexOf(prefix.toLowerCase() || ' ');
  const base = binary ? 1024 : 1000;
  return Math.round(Number(num) * base ** power);
}

export function percent(fraction: number, digits = 4): string {
  return `${(fraction * 100).toFixed(digits)} %`;
}
