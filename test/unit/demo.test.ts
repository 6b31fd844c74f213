import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayerStore } from '../../store/store.js';
import { prepareDemo, type DemoWorld } from '../../demo/world.js';
import { buildDemoImages } from '../../demo/build.js';
import { compareImages } from '../../src/analysis/compare.js';
import { effectiveCommand } from '../../src/model/command.js';
import { unionRows, changeRows } from '../../src/report/inspect-report.js';
import { EntryKind } from '../../src/model/entry.js';
import { TOUR, actionsUpTo } from '../../demo/tour.js';

let dirs: string[] = [];
let world: DemoWorld;
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fathom-demo-'));
  dirs.push(d);
  return d;
};
beforeAll(async () => {
  world = await prepareDemo(new LayerStore(tmp()));
});
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});
const model = (name: string) => world.models.get(name)!;

describe('the demo images tell their stories', () => {
  it('are built deterministically: the same digests every run', async () => {
    const a = await buildDemoImages(new LayerStore(tmp()));
    const b = await buildDemoImages(new LayerStore(tmp()));
    expect([...a.values()].map((r) => r.id)).toEqual([...b.values()].map((r) => r.id));
    expect([...a.values()].map((r) => r.layers.map((l) => l.diffId))).toEqual([...b.values()].map((r) => r.layers.map((l) => l.diffId)));
  });

  it('FileX and FileY have equal unions, different layer counts and different waste', () => {
    const x = model('demo/filex:1');
    const y = model('demo/filey:1');
    const cmp = compareImages(x, y);
    expect(cmp.files).toEqual([]);
    expect(x.layerCount).toBe(3);
    expect(y.layerCount).toBe(2);
    expect(x.waste().wastedBytes).toBeGreaterThan(y.waste().wastedBytes);
    expect(x.waste().inefficiencies.map((i) => i.path)).toContain('/var/cache/apt/pkgcache.bin');
    expect(y.waste().inefficiencies.map((i) => i.path)).not.toContain('/var/cache/apt/pkgcache.bin');
  });

  it('a 20 MB file added in one layer and deleted in the next is still shipped, and counted as waste', () => {
    const m = model('demo/bigfile:1');
    expect(unionRows(m, m.layerCount - 1).some((r) => r.path === '/tmp/dataset.bin')).toBe(false);
    expect(m.layerSize(1)).toBe(20_000_000);
    const w = m.waste();
    expect(w.inefficiencies[0]).toMatchObject({ path: '/tmp/dataset.bin', count: 2, sizeBytes: 20_000_000 });
    expect(w.wastedBytes).toBeGreaterThanOrEqual(20_000_000);
    expect(m.layerSummaries[1].shadowedBytes).toBe(20_000_000);
  });

  it('rm -rf + recreate is an opaque directory; a plain delete is a whiteout', () => {
    const m = model('demo/whiteouts:1');
    const top = m.layers[2];
    expect(top.stats.whiteouts).toBe(1);
    expect(top.stats.opaqueWhiteouts).toBe(1);
    const changes = Object.fromEntries(changeRows(m, 2).map((c) => [c.path, c.change]));
    expect(changes).toMatchObject({ '/srv/old-notes.txt': 'removed', '/srv/cache/a': 'removed', '/srv/cache/b': 'removed', '/srv/cache/c': 'added' });
    expect(top.paths[top.kinds.indexOf(EntryKind.opaque)]).toBe('srv/cache');
  });

  it('metadata-only instructions make empty history rows; ENTRYPOINT + CMD make the command, run args replace CMD', () => {
    const m = model('demo/metadata:1');
    expect(m.history.filter((h) => h.emptyLayer).map((h) => h.createdBy.replace('/bin/sh -c #(nop)  ', ''))).toEqual([
      'ENV GREETING=hello',
      'EXPOSE 8080/tcp',
      'WORKDIR /srv',
      'ENTRYPOINT ["/bin/sh","/srv/greet.sh"]',
      'CMD ["--loud"]',
    ]);
    const cfg = m.record.config.config!;
    expect(effectiveCommand(cfg.Entrypoint, cfg.Cmd)).toEqual(['/bin/sh', '/srv/greet.sh', '--loud']);
    expect(effectiveCommand(cfg.Entrypoint, cfg.Cmd, ['--quiet'])).toEqual(['/bin/sh', '/srv/greet.sh', '--quiet']);
  });

  it('build cache: dependencies first share everything up to npm install; source first shares only the base', () => {
    const good = compareImages(model('demo/cache-good:v1'), model('demo/cache-good:v2'));
    const bad = compareImages(model('demo/cache-bad:v1'), model('demo/cache-bad:v2'));
    expect(good.sharedLayers).toBe(3);
    expect(bad.sharedLayers).toBe(1);
    expect(good.files).toEqual(bad.files);
    expect(good.files.map((f) => `${f.change} ${f.path}`)).toEqual(['modified /app/server.js']);
  });

  it('modifying a lower file in a container copies it up whole', () => {
    const step = TOUR.findIndex((s) => s.id === 'copy-on-write');
    const c = world.container('cow', step + 1);
    const settings = c.changes().find((x) => x.path === '/etc/app/settings.conf')!;
    expect(settings).toMatchObject({ kind: 'C', type: 'file', sizeBytes: 'color=blue\nretries=3\n'.length + 'debug=true\n'.length });
    expect(c.changes().find((x) => x.path === '/etc')).toMatchObject({ kind: 'C' });
    expect(c.sizes().imageBytes).toBe(model('demo/base:1').sizeBytes);
  });

  it('touch hello world → A /hello, A /world → commit → the top layer is exactly that diff, and its container diff is empty', () => {
    const commitStep = TOUR.findIndex((s) => s.id === 'commit');
    const c = world.container('cow', commitStep + 1);
    expect(actionsUpTo(commitStep).length).toBe(3);
    const diff = c.changes().map((x) => `${x.kind} ${x.path}`);
    expect(diff).toEqual(expect.arrayContaining(['A /hello', 'A /world', 'D /etc/motd', 'C /etc/app/settings.conf']));
    const committed = model('demo/committed:1');
    const top = committed.layerCount - 1;
    const layer = changeRows(committed, top).map((r) => `${r.change === 'added' ? 'A' : r.change === 'removed' ? 'D' : 'C'} ${r.path}`);
    expect(layer.sort()).toEqual(diff.sort());
    expect(world.container('committed', 0).changes()).toEqual([]);
  });
});
