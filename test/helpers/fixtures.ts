import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { TarFiles } from '../../src/sources/archive/archive-files.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = path.resolve(here, '../..');
/** ../shared/fixtures beside the project (FATHOM_FIXTURES overrides). */
export const FIXTURES = process.env.FATHOM_FIXTURES ?? path.resolve(PROJECT_ROOT, '../shared/fixtures');
export const IMAGES = ['busybox', 'edge', 'many-layers', 'multistage'] as const;
export const FORMATS = ['docker-save.tar', 'docker26-save.tar', 'oci-gzip', 'oci-zstd', 'oci-uncompressed'] as const;

export interface TruthEntry {
  path: string;
  type: string;
  mode: string;
  uid: number;
  gid: number;
  size: number;
  link?: string;
  dev?: string;
  whiteout?: 'entry' | 'opaque';
  hides?: string;
}

export function imagePath(image: string, format: string): string {
  return path.join(FIXTURES, 'images', image, format);
}

/** A fixture's docker save archive, opened, and its image's layer members in order. */
export function dockerSaveLayers(image: string): { archive: string; files: TarFiles; layers: string[] } {
  const archive = imagePath(image, 'docker-save.tar');
  const files = new TarFiles(archive);
  const manifest = JSON.parse(files.read('manifest.json').toString()) as { Layers: string[] }[];
  return { archive, files, layers: manifest[0].Layers };
}

export function truthJson<T>(image: string, file: string): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'images', image, 'truth', file), 'utf8')) as T;
}

export function truthLines(file: string): TruthEntry[] {
  return zlib
    .gunzipSync(fs.readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TruthEntry);
}

