/** What one tar entry of a layer is, after whiteouts are recognised. */
export const EntryKind = {
  file: 0,
  dir: 1,
  symlink: 2,
  hardlink: 3,
  char: 4,
  block: 5,
  fifo: 6,
  /** `.wh.NAME`: the entry's path is the path it hides. */
  whiteout: 7,
  /** `.wh..wh..opq`: the entry's path is the directory whose lower contents it hides. */
  opaque: 8,
} as const;
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind];

export const KIND_NAMES = ['file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo', 'whiteout', 'opaque'] as const;
export type KindName = (typeof KIND_NAMES)[number];
/** The kinds a file tree shows (whiteouts are removals, never nodes). */
export type FileTypeName = Exclude<KindName, 'whiteout' | 'opaque'>;

export function kindName(kind: number): KindName {
  return KIND_NAMES[kind];
}

/** Mode as 4 octal digits, setuid/setgid/sticky included: "0644", "4755". */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
