import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { layerTar, sha256 } from './layers.js';

/** A test image's config: linux/amd64, fixed dates, `sh` as its command, these layers and history rows. */
export function imageConfigBytes(diffIds: string[], history: object[]): Buffer {
  return Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: diffIds }, history }));
}

/** Writes a real OCI image layout whose config lists the layers' true diff IDs; layers may be gzip'd. Returns the layer blobs' paths. */
export function writeOciLayout(
  dir: string,
  layers: Buffer[],
  opts: { gzip?: boolean; gzipLevel?: number; history?: { created_by: string; empty_layer?: boolean }[] } = {},
): { layerBlobs: string[] } {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer) => {
    const digest = sha256(data);
    fs.writeFileSync(path.join(blobs, digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const layerDescs = layers.map((l) => {
    const blob = opts.gzip ? zlib.gzipSync(l, { level: opts.gzipLevel }) : l;
    return { mediaType: `application/vnd.oci.image.layer.v1.tar${opts.gzip ? '+gzip' : ''}`, ...put(blob) };
  });
  const config = imageConfigBytes(layers.map(sha256), opts.history ?? layers.map((_, i) => ({ created_by: `layer ${i}` })));
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(config) }, layers: layerDescs }),
  );
  const m = put(manifest);
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }),
  );
  return { layerBlobs: layerDescs.map((d) => path.join(blobs, d.digest.slice(7))) };
}

/** An OCI layout whose "multi" tag is an image index of one small image per platform ("linux/arm64/v8"…). */
export async function multiPlatformLayout(dir: string, platforms: string[]): Promise<void> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer) => {
    const d = sha256(b);
    fs.writeFileSync(path.join(blobs, d.slice(7)), b);
    return { digest: d, size: b.length };
  };
  const manifests = [];
  for (const p of platforms) {
    const [osName, arch, variant] = p.split('/');
    const layer = await layerTar([{ file: 'platform.txt', content: p }]);
    const gz = zlib.gzipSync(layer);
    const config = Buffer.from(JSON.stringify({ os: osName, architecture: arch, variant, rootfs: { type: 'layers', diff_ids: [sha256(layer)] }, history: [{ created_by: `for ${p}` }] }));
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(config) }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(gz) }] }));
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...put(manifest), platform: { os: osName, architecture: arch, ...(variant ? { variant } : {}) } });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...put(index), annotations: { 'org.opencontainers.image.ref.name': 'multi' } }] }));
}
