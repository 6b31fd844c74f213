import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fathom } from '../helpers/cli.js';
import { PROJECT_ROOT, imagePath } from '../helpers/fixtures.js';
import { tempStore } from '../helpers/temp-store.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'fathom.js');

describe('the CLI at its edges', () => {
  it.each([
    ['inspect', 'IMG', '--json'],
    ['diff', 'IMG', 'IMG2', '--json'],
    ['diff', 'IMG', 'IMG2'],
  ])('a closed pipe ends `fathom %s` quietly (no EPIPE trace)', (...args) => {
    const store = tempStore();
    const line = args.map((a) => (a === 'IMG' ? imagePath('edge', 'docker-save.tar') : a === 'IMG2' ? imagePath('many-layers', 'docker-save.tar') : a));
    const r = spawnSync('bash', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${line.map((a) => JSON.stringify(a)).join(' ')} --store ${JSON.stringify(store)} | head -c 1 >/dev/null; echo "producer=\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('producer=0');
  });

  it('CI=true fathom IMAGE is the CI gate, as CI=true dive IMAGE is', () => {
    const r = fathom([imagePath('edge', 'docker-save.tar'), '--store', tempStore()], { CI: 'true' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Result:FAIL \[Total:3\] \[Passed:0\] \[Failed:2\]/);
    const lenient = fathom([imagePath('edge', 'docker-save.tar'), '--lowestEfficiency', '0.5', '--highestUserWastedPercent', 'disabled', '--store', tempStore()], { CI: 'true' });
    expect(lenient.code, lenient.stdout).toBe(0);
  });

  it.skipIf(process.getuid?.() !== 0)('a read-only store reopens what it holds (reads never need write access)', () => {
    const store = tempStore();
    const image = imagePath('edge', 'docker-save.tar');
    expect(fathom(['inspect', image, '--files', 'none', '--store', store]).code).toBe(0);
    spawnSync('chmod', ['-R', 'a-w', store]);
    spawnSync('chmod', ['-R', 'a+rX', store]); // readable by anyone, writable by no one
    try {
      for (const source of [image, 'store://fixture/edge:latest']) {
        // As a user who may not write there (root writes anywhere).
        const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, BIN, 'inspect', source, '--json', '--files', 'none', '--store', store], { encoding: 'utf8', env: { ...process.env, HOME: '/nonexistent', FATHOM_CODE_CACHE: '0' } });
        expect(r.status, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout).image.repoTags).toEqual(['fixture/edge:latest']);
      }
    } finally {
      spawnSync('chmod', ['-R', 'u+w', store]);
    }
  });

  it('an unknown option is one line, naming fathom once', () => {
    // Not under CI=true: there `fathom IMAGE` is the CI gate (and takes --json).
    const r = fathom(['bogus', '--json'], { CI: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("fathom: Unknown option '--json' (see `fathom --help`)\n");
    const i = fathom(['inspect', '--bogus', 'x']);
    expect(i.stderr).toBe("fathom: inspect: Unknown option '--bogus' (see `fathom inspect --help`)\n");
  });
});

describe('per-source facts', () => {
  it('a docker save archive opened after an OCI layout of the same image reports its own layers, not the OCI blobs', () => {
    const store = tempStore();
    const oci = JSON.parse(fathom(['inspect', imagePath('edge', 'oci-gzip'), '--json', '--files', 'none', '--store', store]).stdout);
    const save = JSON.parse(fathom(['inspect', imagePath('edge', 'docker-save.tar'), '--json', '--files', 'none', '--store', store]).stdout);
    expect(oci.layers[1].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    expect(save.layers[1]).toMatchObject({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest: save.layers[1].diffId });
    expect(save.layers[1].compressedBytes).not.toBe(oci.layers[1].compressedBytes);
  });
});

describe('store gc says what it keeps', () => {
  it('right after store rm: the fresh layers are kept, and it says so and how to free them; --now frees them', () => {
    const store = tempStore();
    expect(fathom(['inspect', imagePath('busybox', 'docker-save.tar'), '--files', 'none', '--store', store]).code).toBe(0);
    expect(fathom(['store', 'rm', 'corpus/busybox:latest', '--store', store]).code).toBe(0);
    const kept = fathom(['store', 'gc', '--store', store]);
    expect(kept.stdout).toMatch(/^removed 0 unused layers, freed 0B\nkept 1 unused layers \(\S+\) stored less than 10 minutes ago: .*`fathom store gc --now`/);
    const freed = fathom(['store', 'gc', '--now', '--store', store]);
    expect(freed.stdout).toMatch(/^removed 1 unused layers, freed [1-9]/);
  });
});

describe('the image list', () => {
  it("a stored image never analysed still shows its size (from its layers' index headers)", async () => {
    const { LayerStore } = await import('../../store/store.js');
    const { realIo } = await import('../../src/cli/real-io.js');
    const { buildDemoImages } = await import('../../demo/build.js');
    const store = new LayerStore(tempStore());
    await buildDemoImages(store); // records with no analysis
    let first: { sizeBytes: number | null; origin: string }[] = [];
    // The store's rows come at once, before any engine answers.
    const stop = realIo(store, { host: 'unix:///nonexistent/docker.sock' }).watchImages((r) => {
      if (first.length === 0) first = r;
    });
    stop();
    const rows = first;
    const stored = rows.filter((r) => r.origin === 'store');
    expect(stored.length).toBeGreaterThan(3);
    for (const r of stored) expect(r.sizeBytes).toBeGreaterThan(0);
  });
});

describe('no terminal', () => {
  it.each([
    [['containers'], '`fathom container --json`'],
    [[], '`fathom images --json`'],
    [['a.tar', 'b.tar'], '`fathom diff A B --json`'],
    [['x.tar'], '`fathom inspect SOURCE --json`'],
  ])('fathom %j in a pipe names the command a script wants instead', (args, instead) => {
    const r = fathom(args, { CI: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`needs a terminal; in scripts use ${instead}`);
  });
});
