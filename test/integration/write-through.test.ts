import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerAvailable } from '../helpers/docker.js';
import { fathom } from '../helpers/cli.js';
import { sha256 } from '../helpers/layers.js';

const HAS_DOCKER = dockerAvailable();
const TAG = `fathom-test/write-through-${process.pid}:1`;

type Entry = { name: string; type?: 'directory' | 'symlink'; linkname?: string; body?: string };
async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => pack.on('end', r));
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: e.type ? 0o755 : 0o644, mtime: new Date(0) }, e.body);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A layer that writes /etc/passwd through a symlink it makes (and /etc/group through a relative one). */
async function writeArchive(file: string): Promise<void> {
  const layers = [
    await tarOf([{ name: 'etc', type: 'directory' }, { name: 'etc/passwd', body: 'root:x:0:0\n' }, { name: 'low', type: 'symlink', linkname: '/etc' }]),
    await tarOf([
      { name: 'etc', type: 'directory' },
      { name: 'lnk', type: 'symlink', linkname: '/etc' },
      { name: 'lnk/passwd', body: 'evil:x:0:0:written through\n' },
      { name: 'low/shadow', body: 'through a lower link: a real dir\n' },
      { name: 'rel', type: 'symlink', linkname: '../../etc' },
      { name: 'rel/group', body: 'g\n' },
    ]),
  ];
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: layers.map(sha256) }, history: [{ created_by: 'base' }, { created_by: 'write through' }] }));
  const names = layers.map((_, i) => `l${i}/layer.tar`);
  const archive = await tarOf([
    ...layers.map((l, i) => ({ name: names[i], body: l.toString('latin1') })),
    { name: 'config.json', body: config.toString() },
    { name: 'manifest.json', body: JSON.stringify([{ Config: 'config.json', RepoTags: [TAG], Layers: names }]) },
  ]);
  fs.writeFileSync(file, archive);
}

describe.skipIf(!HAS_DOCKER)('a layer that writes through a symlinked parent: what Docker builds (real dockerd)', () => {
  let work: string;
  let archive: string;
  let exported: Map<string, Buffer | null>;
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-write-through-'));
    archive = path.join(work, 'image.tar');
    await writeArchive(archive);
    docker('load', '-i', archive);
    const id = docker('create', TAG).trim();
    try {
      const out = path.join(work, 'export.tar');
      docker('export', '-o', out, id);
      exported = new Map();
      const extract = tar.extract();
      fs.createReadStream(out).pipe(extract);
      for await (const entry of extract) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        exported.set(entry.header.name.replace(/\/$/, ''), entry.header.type === 'file' ? Buffer.concat(chunks) : null);
      }
    } finally {
      spawnSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
    }
  });
  afterAll(() => {
    spawnSync('docker', ['rmi', TAG], { stdio: 'ignore' });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it.each(['archive', 'engine store'])('from the %s: the union is docker export, and the rows say what was written through what', (from) => {
    const source = from === 'archive' ? archive : `docker://${TAG}`;
    const r = fathom(['inspect', source, '--json', '--store', fs.mkdtempSync(path.join(work, 'store-'))]);
    expect(r.code, r.stderr).toBe(0);
    const files = JSON.parse(r.stdout).files as { path: string; type: string; sizeBytes: number; writtenThrough?: string }[];
    const engineOwn = /^(\.dockerenv|dev|proc|sys|etc\/(hosts|hostname|resolv\.conf|mtab))(\/|$)/;
    expect(files.map((f) => f.path.slice(1)).sort()).toEqual([...exported.keys()].filter((p) => !engineOwn.test(p)).sort());
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
    expect(byPath['/etc/passwd']).toMatchObject({ type: 'file', sizeBytes: exported.get('etc/passwd')!.length, writtenThrough: '/lnk' });
    expect(byPath['/etc/group']).toMatchObject({ writtenThrough: '/rel' });
    expect(byPath['/lnk'].type).toBe('symlink');
    expect(byPath['/low'].type).toBe('dir');
    expect(byPath['/low/shadow'].writtenThrough).toBeUndefined();
    expect(exported.get('etc/passwd')!.toString()).toBe('evil:x:0:0:written through\n');
  });

  it("reading the file through the engine's store gives the bytes written through the link", () => {
    expect(execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', TAG], { encoding: 'utf8' }).trim()).toMatch(/^sha256:/);
    const r = fathom(['inspect', `docker://${TAG}`, '--engine-read', 'store', '--json', '--files', 'none', '--store', fs.mkdtempSync(path.join(work, 'store-'))]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).engineRead).toBe('store');
  });
});
