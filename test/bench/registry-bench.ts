import fs from 'node:fs';
import { median, timed } from './timed.js';
import net from 'node:net';
import path from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';

export interface RegistryBench {
  /** The bench image as the registry holds it: compressed bytes of its layers. */
  compressedBytes: number;
  /** `skopeo copy docker://... oci:DIR` of the same image (median): a peer that only downloads and verifies. */
  skopeoMs: number;
  skopeoRssKb: number | null;
  /** fathom's first open from the registry (empty store): download, inflate, verify and index in one pass. */
  firstOpenMs: number;
  firstOpenRssKb: number | null;
  /** Reopen: manifest and config fetched again, every layer in the store. */
  reopenMs: number;
  /** `fathom audit registry://HOST` over every fixture image pushed three ways: cold store, then warm. */
  auditImages: number;
  auditColdMs: number | null;
  auditWarmMs: number | null;
}


function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The registry bench: Debian's docker-registry on 127.0.0.1 with its data kept in `work` (the pushes are
 * made once), the ~1 GB engine bench image in it; first open against skopeo's copy of the same image,
 * then the reopen, then the audit of every fixture image. Null when docker-registry or skopeo is missing.
 */
export async function runRegistryBench(bin: string, work: string, fixtures: string, runs = 3): Promise<RegistryBench | null> {
  if (!onPath('docker-registry') || !onPath('skopeo')) return null;
  const dir = path.join(work, 'registry');
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  fs.writeFileSync(
    path.join(dir, 'config.yml'),
    ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`, 'http:', `  addr: ${host}`, ''].join('\n'),
  );
  const registry = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((r) => net.connect(port, '127.0.0.1', function (this: net.Socket) { this.destroy(); r(true); }).on('error', () => r(false)));
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const push = (from: string, to: string) => execFileSync('skopeo', ['copy', '-q', '--dest-tls-verify=false', from, `docker://${host}/${to}`], { stdio: 'ignore' });
    const pushed = path.join(dir, 'pushed.json');
    const ref = `${host}/bench/engine:1`;
    if (!fs.existsSync(pushed)) {
      const made = path.join(work, 'engine-image', 'made.json');
      if (!fs.existsSync(made)) {
        const { writeEngineBenchImage } = await import('./engine-image.js');
        fs.writeFileSync(made, JSON.stringify(await writeEngineBenchImage(path.dirname(made), 'fathom-bench/engine:1')));
      }
      push(`docker-archive:${(JSON.parse(fs.readFileSync(made, 'utf8')) as { archive: string }).archive}`, 'bench/engine:1');
      for (const image of fs.readdirSync(path.join(fixtures, 'images'))) {
        const at = path.join(fixtures, 'images', image);
        if (fs.existsSync(path.join(at, 'docker-save.tar'))) push(`docker-archive:${path.join(at, 'docker-save.tar')}`, `fixtures/${image}:docker`);
        for (const f of ['oci-gzip', 'oci-zstd']) if (fs.existsSync(path.join(at, f))) push(`oci:${path.join(at, f)}:latest`, `fixtures/${image}:${f}`);
      }
      fs.writeFileSync(pushed, '{}');
    }
    const manifest = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' })) as { layers: { size: number }[] };
    const compressedBytes = manifest.layers.reduce((n, l) => n + l.size, 0);
    const fresh = (prefix: string) => fs.mkdtempSync(path.join(work, prefix));
    const skopeo: ReturnType<typeof timed>[] = [];
    const first: ReturnType<typeof timed>[] = [];
    // Interleaved, so the machine's moods weigh on both alike.
    for (let i = 0; i < runs; i++) {
      const out = fresh('skopeo-');
      skopeo.push(timed('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `oci:${out}/oci:1`]));
      fs.rmSync(out, { recursive: true, force: true });
      const store = fresh('registry-store-');
      first.push(timed(process.execPath, [bin, 'inspect', `registry://${ref}`, '--json', '--files', 'none', '--store', store]));
      fs.rmSync(store, { recursive: true, force: true });
    }
    const warmStore = fresh('registry-store-');
    timed(process.execPath, [bin, 'inspect', `registry://${ref}`, '--json', '--files', 'none', '--store', warmStore]);
    const reopen: number[] = [];
    for (let i = 0; i < 5; i++) reopen.push(timed(process.execPath, [bin, 'inspect', `registry://${ref}`, '--json', '--files', 'none', '--store', warmStore]).ms);
    fs.rmSync(warmStore, { recursive: true, force: true });

    // The audit: the fixture images only (the bench image is in the registry too, so the audit names them).
    const auditStore = fresh('registry-store-');
    let auditColdMs: number | null = null;
    let auditWarmMs: number | null = null;
    let auditImages = 0;
    const tags = execFileSync('skopeo', ['list-tags', '--tls-verify=false', `docker://${host}/fixtures/busybox`], { encoding: 'utf8' });
    if (tags.includes('docker')) {
      const sources = fs.readdirSync(path.join(fixtures, 'images')).flatMap((image) => ['docker', 'oci-gzip', 'oci-zstd'].map((t) => `registry://${host}/fixtures/${image}:${t}`));
      auditImages = sources.length;
      auditColdMs = timed(process.execPath, [bin, 'audit', '--json', '--store', auditStore, ...sources]).ms;
      auditWarmMs = timed(process.execPath, [bin, 'audit', '--json', '--store', auditStore, ...sources]).ms;
    }
    fs.rmSync(auditStore, { recursive: true, force: true });
    const rss = (xs: ReturnType<typeof timed>[]) => (xs.every((x) => x.rssKb !== null) ? median(xs.map((x) => x.rssKb!)) : null);
    return {
      compressedBytes,
      skopeoMs: median(skopeo.map((x) => x.ms)),
      skopeoRssKb: rss(skopeo),
      firstOpenMs: median(first.map((x) => x.ms)),
      firstOpenRssKb: rss(first),
      reopenMs: median(reopen),
      auditImages,
      auditColdMs,
      auditWarmMs,
    };
  } finally {
    registry.kill('SIGKILL');
  }
}
