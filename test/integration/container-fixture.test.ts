import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sizeFromOverlay } from '../../src/sources/engine/containers.js';
import { diffChanges, diffChangesInSteps, type ContainerChange } from '../../src/model/change-feed.js';
import { FIXTURES } from '../helpers/fixtures.js';

const CONTAINER = path.join(FIXTURES, 'containers', 'fixture-edge-changed');
let upper: string;

describe('container changes sized from a real overlay upper dir (fixture-edge-changed)', () => {
  beforeAll(() => {
    upper = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-upper-'));
    // The raw writable layer, whiteout devices included (mknod needs root, which CI is).
    execFileSync('tar', ['-xpf', path.join(CONTAINER, 'upperdir.tar'), '-C', upper, '--numeric-owner']);
  });
  afterAll(() => fs.rmSync(upper, { recursive: true, force: true }));

  it('the changed files add up to docker ps -s SizeRw, each typed as in the upper dir', async () => {
    const changes = JSON.parse(fs.readFileSync(path.join(CONTAINER, 'changes.json'), 'utf8')) as { kind: 'A' | 'C' | 'D'; path: string }[];
    const sized = await sizeFromOverlay(changes, upper, []);
    const api = JSON.parse(fs.readFileSync(path.join(CONTAINER, 'api-containers-json.json'), 'utf8'));
    const files = sized.filter((c) => c.kind !== 'D' && c.type === 'file');
    expect(files.reduce((n, c) => n + (c.sizeBytes ?? 0), 0)).toBe(api.SizeRw);
    const byPath = Object.fromEntries(sized.map((c) => [c.path, c]));
    expect(byPath['/edge/container-64KiB.bin']).toMatchObject({ kind: 'A', type: 'file', sizeBytes: 65536 });
    expect(byPath['/edge/container new\nline.txt']).toMatchObject({ kind: 'A', type: 'file', sizeBytes: 0 });
    expect(byPath['/edge/container-dir']).toMatchObject({ kind: 'A', type: 'dir', sizeBytes: 2 });
    expect(byPath['/edge/renamed.txt']).toMatchObject({ kind: 'C', type: 'file' });
    expect(byPath['/etc/motd']).toMatchObject({ kind: 'D', sizeBytes: 0 });
    // A directory's size is the writable bytes beneath it: /edge holds all but nothing outside it.
    expect(byPath['/edge'].sizeBytes).toBe(api.SizeRw);
  });
});

describe('live change diffing', () => {
  const c = (path: string, kind: 'A' | 'C' | 'D', size: number | null): ContainerChange => ({ path, kind, type: 'file', sizeBytes: size });
  it('reports what appeared, grew and disappeared, keeping first-seen times', () => {
    const first = diffChanges(new Map(), [c('/a', 'A', 1), c('/b', 'A', 2)], 1000);
    expect(first.update.appeared.map((x) => x.path)).toEqual(['/a', '/b']);
    const second = diffChanges(first.next, [c('/a', 'A', 5), c('/c', 'D', 0)], 2000);
    expect(second.update.appeared.map((x) => x.path)).toEqual(['/c']);
    expect(second.update.changed).toEqual([{ path: '/a', kind: 'A', type: 'file', sizeBytes: 5, firstSeen: 1000, lastChanged: 2000 }]);
    expect(second.update.disappeared.map((x) => x.path)).toEqual(['/b']);
    const quiet = diffChanges(second.next, [c('/a', 'A', 5), c('/c', 'D', 0)], 3000);
    expect(quiet.update.appeared.length + quiet.update.changed.length + quiet.update.disappeared.length).toBe(0);
  });

  it('in steps, pauses after every step of changes and ends with the same answer', () => {
    const before = diffChanges(new Map(), Array.from({ length: 10 }, (_, i) => c(`/f${i}`, 'A', i)), 1000).next;
    const now = [...Array.from({ length: 9 }, (_, i) => c(`/f${i}`, 'A', i === 4 ? 40 : i)), c('/new', 'A', 1)];
    const steps = diffChangesInSteps(before, now, 2000, false, 3);
    let pauses = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) pauses++;
    expect(pauses).toBe(3); // after changes 3, 6 and 9 of 10
    expect(step.value).toEqual(diffChanges(before, now, 2000));
    expect(step.value.update.changed.map((x) => x.path)).toEqual(['/f4']);
    expect(step.value.update.disappeared.map((x) => x.path)).toEqual(['/f9']);
  });
});
