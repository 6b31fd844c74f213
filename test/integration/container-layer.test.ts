import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, dockerAvailable } from '../helpers/docker.js';
import { imagePath } from '../helpers/fixtures.js';
import { realIo } from '../../src/cli/real-io.js';
import { LayerStore } from '../../store/store.js';
import { unionRows } from '../../src/report/inspect-report.js';
import { engineHasImage } from '../helpers/podman.js';
import { TarStreamParser } from '../../src/tar/stream-parser.js';

const HAS_DOCKER = dockerAvailable();
const NAME = `fathom-clayer-${process.pid}`;
const EDGE = 'fixture/edge:latest';
let work: string;
let loaded = false;

// What Docker's init layer puts in every container (not the container's own writes).
const INIT = new Set(['.dockerenv', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'etc/mtab', 'dev', 'dev/console', 'dev/pts', 'dev/shm', 'proc', 'sys']);

describe.skipIf(!HAS_DOCKER)('the container as a layer (real dockerd)', () => {
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-clayer-'));
    if (!engineHasImage('docker', EDGE)) {
      docker('load', '-i', imagePath('edge', 'docker-save.tar'));
      loaded = true;
    }
  });
  afterAll(() => {
    execFileSync('docker', ['rm', '-f', NAME], { stdio: 'ignore' });
    if (loaded) execFileSync('docker', ['rmi', EDGE], { stdio: 'ignore' });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("its image's layers, then its writable layer: the top layer's changes are docker diff's, the union is docker export's", async () => {
    docker('run', '-d', '--network', 'none', '--name', NAME, EDGE, 'echo added > /edge/new.txt; mkdir -p /edge/d/e; head -c 4096 /dev/zero > /edge/d/e/four.bin; echo more >> /edge/overwrite.txt; chmod 0700 /edge/renamed.txt; rm /etc/motd; rm -rf /edge/special/nested-empty; ln -s /edge/new.txt /edge/lnk; sleep 600');
    // Wait for the script's writes (the last is the symlink).
    for (let i = 0; i < 100 && !docker('diff', NAME).includes('/edge/lnk'); i++) await new Promise((r) => setTimeout(r, 100));
    const io = realIo(new LayerStore(path.join(work, 'store')), {});
    const model = await io.openContainer(NAME);
    const imageLayers = Number(docker('image', 'inspect', '--format', '{{len .RootFS.Layers}}', EDGE).trim());
    expect(model.layerCount).toBe(imageLayers + 1);
    expect(model.transient).toBe(true);
    expect(model.history.at(-1)!.createdBy).toMatch(new RegExp(`^container ${NAME} \\(writable layer, \\d+ changes as of \\d\\d:\\d\\d:\\d\\d UTC\\)$`));
    expect(model.history.at(-1)!.layerIndex).toBe(imageLayers);

    // docker diff lists every changed path, directories that hold a change included (as C); the layer's
    // own changes are the files: added, removed, and modified (content or metadata).
    const diff = docker('diff', NAME).trim().split('\n').map((l) => [l[0], l.slice(2)] as const);
    const top = model.changesAt(imageLayers);
    const kindOf = { added: 'A', removed: 'D', modified: 'C' } as Record<string, string>;
    const got = new Map(top.map((c) => [c.path.startsWith('/') ? c.path : `/${c.path}`, kindOf[c.change]]));
    for (const [kind, p] of diff) {
      const isDirChange = kind === 'C' && diff.some(([, q]) => q.startsWith(`${p}/`));
      if (isDirChange) continue;
      expect(got.get(p), `${kind} ${p}`).toBe(kind);
    }
    // Beyond those, only what a removed directory held (docker diff names the directory alone).
    const removedDirs = diff.filter(([kind]) => kind === 'D').map(([, p]) => `${p}/`);
    for (const [p, kind] of got) if (!diff.some(([, q]) => q === p)) expect({ p, kind, under: removedDirs.some((d) => p.startsWith(d)) }).toEqual({ p, kind: 'D', under: true });

    // The union at the top is the container's filesystem: docker export of it, less the init layer's.
    // Names read with fathom's tar parser: GNU tar -t would escape the fixture's control characters.
    const names: string[] = [];
    const parser = new TarStreamParser((h) => (names.push(h.name), null), 'docker export');
    parser.push(execFileSync('docker', ['export', NAME], { maxBuffer: 256 << 20 }));
    const exported = names
      .map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''))
      .filter((p) => p && p !== '.' && !INIT.has(p) && !p.startsWith('dev/') && !p.startsWith('proc/') && !p.startsWith('sys/'));
    const union = unionRows(model, imageLayers).map((r) => r.path.replace(/^\//, '')).filter((p) => !INIT.has(p));
    expect(union.sort()).toEqual([...new Set(exported)].sort());
    const four = unionRows(model, imageLayers).find((r) => r.path === '/edge/d/e/four.bin')!;
    expect(four.sizeBytes).toBe(4096);
    const lnk = unionRows(model, imageLayers).find((r) => r.path === '/edge/lnk')!;
    expect(lnk.linkTarget).toBe('/edge/new.txt');
  }, 120_000);
});
