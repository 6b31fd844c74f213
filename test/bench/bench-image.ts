import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import tar from 'tar-stream';
import { imageConfigBytes, writeOciLayout } from '../helpers/oci.js';

/** Builds a deterministic big image for the bench: `layers` layers of `filesPerLayer` small files each. */
export async function writeBenchImage(dir: string, layers: number, filesPerLayer: number): Promise<{ dockerSave: string; ociGzip: string; entries: number; layerFiles: string[] }> {
  fs.mkdirSync(dir, { recursive: true });
  const layerTars: Buffer[] = [];
  let entries = 0;
  for (let l = 0; l < layers; l++) {
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    pack.on("data", (c: unknown) => chunks.push(c as Buffer));
    const done = new Promise<void>((r) => pack.on("end", () => r()));
    const mtime = new Date('2024-01-01T00:00:00Z');
    for (let d = 0; d < filesPerLayer / 100; d++) {
      pack.entry({ name: `usr/share/l${l}/d${d}`, type: 'directory', mode: 0o755, mtime });
      entries++;
      for (let f = 0; f < 100; f++) {
        // Mostly small files, with a few larger ones so content skipping matters.
        const size = f % 50 === 0 ? 64 * 1024 : 200 + ((f * 37) % 600);
        pack.entry({ name: `usr/share/l${l}/d${d}/file-${f}.txt`, mode: 0o644, mtime }, Buffer.alloc(size, (l + d + f) % 251));
        entries++;
      }
    }
    // Later layers overwrite a slice of the first layer's files: waste for the analysis to find.
    if (l > 0) for (let f = 0; f < 50; f++) pack.entry({ name: `usr/share/l0/d0/file-${f}.txt`, mode: 0o644, mtime }, Buffer.alloc(300, l));
    pack.finalize();
    await done;
    layerTars.push(Buffer.concat(chunks));
  }
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const diffIds = layerTars.map((t) => `sha256:${sha(t)}`);
  const config = imageConfigBytes(diffIds, layerTars.map((_, i) => ({ created_by: `/bin/sh -c make layer ${i}` })));
  const configHex = sha(config);

  // docker save, legacy layout
  const dockerSave = path.join(dir, 'big-docker-save.tar');
  const pack = tar.pack();
  const out = fs.createWriteStream(dockerSave);
  pack.pipe(out);
  const layerPaths = layerTars.map((t, i) => `${sha(Buffer.from(`layer${i}`))}/layer.tar`);
  layerTars.forEach((t, i) => pack.entry({ name: layerPaths[i], mode: 0o644 }, t));
  pack.entry({ name: `${configHex}.json` }, config);
  pack.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ['bench/big:latest'], Layers: layerPaths }]));
  pack.finalize();
  await new Promise<void>((r) => out.on("close", () => r()));

  // OCI layout, gzip layers (level 1: the bench image is big, and this is setup, not measurement)
  const ociGzip = path.join(dir, 'big-oci-gzip');
  const { layerBlobs: layerFiles } = writeOciLayout(ociGzip, layerTars, { gzip: true, gzipLevel: 1, history: layerTars.map((_, i) => ({ created_by: `/bin/sh -c make layer ${i}` })) });

  // Plain layer tars, for `tar -t` over the same blobs.
  const plainDir = path.join(dir, 'plain-layers');
  fs.mkdirSync(plainDir, { recursive: true });
  layerTars.forEach((t, i) => fs.writeFileSync(path.join(plainDir, `layer-${i}.tar`), t));
  return { dockerSave, ociGzip, entries, layerFiles };
}
