import { describe, expect, it } from 'vitest';
import { modelOf } from '../helpers/layers.js';
import { unionRows, changeRows } from '../../src/report/inspect-report.js';
import type { ImageModel } from '../../src/model/image-model.js';

const union = (m: ImageModel, n = m.layerCount - 1) => Object.fromEntries(unionRows(m, n).map((r) => [r.path, r]));
const changes = (m: ImageModel, n: number) => Object.fromEntries(changeRows(m, n).map((r) => [r.path, r.change]));

describe('union resolver', () => {
  it('a whiteout hides a lower file and a whole lower directory tree', async () => {
    const m = await modelOf([
      [{ dir: 'a' }, { file: 'a/x', content: 'x' }, { dir: 'a/sub' }, { file: 'a/sub/y', content: 'y' }, { file: 'keep', content: 'k' }],
      [{ whiteout: 'a/x' }, { whiteout: 'a/sub' }],
    ]);
    expect(Object.keys(union(m))).toEqual(['/a', '/keep']);
    expect(changes(m, 1)).toEqual({ '/a/sub': 'removed', '/a/sub/y': 'removed', '/a/x': 'removed' });
  });

  it('an opaque directory hides everything lower in it but keeps what its own layer adds', async () => {
    const m = await modelOf([
      [{ dir: 'd' }, { file: 'd/old1', content: '1' }, { dir: 'd/sub' }, { file: 'd/sub/deep', content: 'deep' }],
      // The marker comes after the new file in the tar: it still only hides lower content.
      [{ dir: 'd' }, { file: 'd/new', content: 'n' }, { opaque: 'd' }],
    ]);
    expect(Object.keys(union(m))).toEqual(['/d', '/d/new']);
    expect(changes(m, 1)).toMatchObject({ '/d/new': 'added', '/d/old1': 'removed', '/d/sub': 'removed', '/d/sub/deep': 'removed' });
  });

  it('a file replaced by a directory and back, with no whiteout', async () => {
    const m = await modelOf([
      [{ file: 'f2d', content: 'was a file' }, { dir: 'd2f' }, { file: 'd2f/inner', content: 'i' }],
      [{ dir: 'f2d' }, { file: 'f2d/child', content: 'c' }, { file: 'd2f', content: 'now a file' }],
    ]);
    const u = union(m);
    expect(u['/f2d'].type).toBe('dir');
    expect(u['/f2d/child'].type).toBe('file');
    expect(u['/d2f'].type).toBe('file');
    expect(u['/d2f/inner']).toBeUndefined();
    expect(changes(m, 1)).toMatchObject({ '/f2d': 'modified', '/d2f': 'modified', '/d2f/inner': 'removed', '/f2d/child': 'added' });
  });

  it('implies missing parent directories', async () => {
    const m = await modelOf([[{ file: 'deep/er/file', content: 'x' }]]);
    const u = union(m);
    expect(u['/deep']).toMatchObject({ type: 'dir', mode: '0755', uid: 0 });
    expect(u['/deep/er']).toMatchObject({ type: 'dir' });
  });

  it('a hard link to a lower-layer file shares its content and size', async () => {
    const m = await modelOf([[{ file: 'lower.txt', content: 'lower content' }], [{ hardlink: 'upper-link', target: 'lower.txt' }]]);
    const u = union(m);
    expect(u['/upper-link']).toMatchObject({ type: 'hardlink', linkTarget: '/lower.txt', sizeBytes: 13 });
  });

  it('a hard link to a missing target is refused with the layer and entry named', async () => {
    await expect(modelOf([[{ file: 'a', content: 'a' }], [{ hardlink: 'b', target: 'nope' }]]).then((m) => m.top)).rejects.toThrow(/layer 1 .*entry "b".*hard link/);
  });

  it('a whiteout of a path no lower layer has is valid (Docker loads it) and leaves its directory', async () => {
    const m = await modelOf([[{ file: 'a', content: 'a' }], [{ whiteout: 'ghost' }, { whiteout: 'd/e/ghost' }]]);
    expect(Object.keys(union(m)).sort()).toEqual(['/a', '/d', '/d/e']);
    expect(union(m)['/d/e'].type).toBe('dir');
  });

  it("a write through a symlink the same layer made lands at the real path, as Docker's applier puts it", async () => {
    const m = await modelOf([
      [{ dir: 'etc' }, { file: 'etc/passwd', content: 'root' }],
      [{ dir: 'etc' }, { symlink: 'lnk', target: '/etc' }, { file: 'lnk/passwd', content: 'evil!' }, { symlink: 'rel', target: '../../etc' }, { file: 'rel/group', content: 'g' }],
    ]);
    const u = union(m);
    expect(Object.keys(u).sort()).toEqual(['/etc', '/etc/group', '/etc/passwd', '/lnk', '/rel']);
    expect(u['/lnk'].type).toBe('symlink');
    expect(u['/etc/passwd'].sizeBytes).toBe(5);
    expect(m.layers[1].writtenThrough.get(m.layers[1].paths.indexOf('etc/passwd'))).toBe('/lnk');
    expect(m.layers[1].writtenThrough.get(m.layers[1].paths.indexOf('etc/group'))).toBe('/rel');
  });

  it('a write through a symlink to a directory the layer lacks is refused, as Docker refuses it; a loop too', async () => {
    await expect(modelOf([[{ symlink: 'lnk', target: '/nowhere' }, { file: 'lnk/x', content: 'x' }]])).rejects.toThrow(
      /entry "lnk\/x" is written through the symlink \/lnk → "\/nowhere", and this layer has no directory \/nowhere/,
    );
    await expect(modelOf([[{ symlink: 'a', target: 'b' }, { symlink: 'b', target: 'a' }, { file: 'a/x', content: 'x' }]])).rejects.toThrow(/entry "a\/x": too many symlinks in its path \(a loop\)/);
  });

  it('symlinks of lower layers are not followed: a file under one makes a real directory (the layer is unpacked alone)', async () => {
    const m = await modelOf([[{ dir: 'real' }, { symlink: 'link', target: 'real' }], [{ file: 'link/x', content: 'x' }]]);
    const u = union(m);
    expect(u['/link'].type).toBe('dir');
    expect(u['/real/x']).toBeUndefined();
  });

  it('tells a metadata-only change from a content change', async () => {
    const m = await modelOf([
      [{ file: 'chmod', content: 'same', mode: 0o644 }, { file: 'edit', content: 'old' }, { file: 'same', content: 'same' }, { file: 'own', content: 'o' }],
      [{ file: 'chmod', content: 'same', mode: 0o600 }, { file: 'edit', content: 'new' }, { file: 'same', content: 'same' }, { file: 'own', content: 'o', uid: 1000, gid: 1000 }],
    ]);
    const rows = m.changesAt(1);
    const by = Object.fromEntries(rows.map((r) => [r.path, r]));
    expect(by.chmod.change).toBe('modified');
    expect(by.chmod.diff).toBe(4); // mode only
    expect(by.edit.diff).toBe(2); // content only
    expect(by.same.change).toBe('unmodified');
    expect(by.own.diff).toBe(8 | 16);
  });

  it('a setuid/setgid/sticky mode is kept in 4 octal digits', async () => {
    const m = await modelOf([[{ file: 'su', content: 'x', mode: 0o4755 }, { dir: 'tmp', mode: 0o1777 }]]);
    const u = union(m);
    expect(u['/su'].mode).toBe('4755');
    expect(u['/tmp'].mode).toBe('1777');
  });

  it('the union at an earlier layer ignores later layers', async () => {
    const m = await modelOf([[{ file: 'a', content: '1' }], [{ file: 'b', content: '2' }], [{ whiteout: 'a' }]]);
    expect(Object.keys(union(m, 0))).toEqual(['/a']);
    expect(Object.keys(union(m, 1))).toEqual(['/a', '/b']);
    expect(Object.keys(union(m, 2))).toEqual(['/b']);
  });

  it('2,000 nested directories: every one added, each judged once (depth costs its length, not its square)', async () => {
    const dirs = Array.from({ length: 2000 }, (_, i) => ({ dir: Array.from({ length: i + 1 }, () => 'd').join('/') }));
    const m = await modelOf([[{ file: 'base', content: 'b' }], [...dirs, { file: `${dirs[1999].dir}/f`, content: 'x' }]]);
    const changes = m.changesAt(1);
    expect(changes).toHaveLength(2001);
    expect(changes.every((c) => c.change === 'added')).toBe(true);
    expect(m.layerSummaries[1]).toMatchObject({ added: 2001, modified: 0, removed: 0 });
  });
});
