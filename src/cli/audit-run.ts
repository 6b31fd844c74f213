import { FathomError } from '../errors.js';
import { auditImages, type AuditedImage } from '../analysis/audit.js';
import type { AuditOutcome } from '../view/app-io.js';
import { rememberAnalysis } from '../open-image.js';
import { connect, ping, type EngineKind } from '../sources/engine/connection.js';
import { listEngineImages } from '../sources/engine/images.js';
import { parseSourceSpec } from '../sources/source-spec.js';
import { registryClient } from '../sources/registry/registry-source.js';
import { registryTags } from '../sources/registry/registry-list.js';
import type { LayerStore } from '../../store/store.js';
import { modelFor, registryOptions, type OpenOptions } from './open-source.js';

/**
 * What a SOURCE of `fathom audit` stands for: `registry://HOST` every tag there, `docker://` or
 * `podman://` every image of the engine, `store://` every stored image; anything else one image.
 */
export async function expandAuditSource(input: string, store: LayerStore, opts: OpenOptions): Promise<string[]> {
  const engine = /^(docker|podman):\/\/$/.exec(input);
  if (engine) {
    const e = connect(engine[1] as EngineKind, opts.host);
    await ping(e);
    return (await listEngineImages(e)).map((i) => `${engine[1]}://${i.repoTags[0] ?? i.id}`);
  }
  if (input === 'store://') return store.listImages().map((r) => `store://${r.id}`);
  const spec = parseSourceSpec(input);
  if (spec.kind === 'registry' && spec.repository === null) {
    const client = registryClient(spec.host, registryOptions(opts), input);
    try {
      return (await registryTags(client)).map((t) => `registry://${spec.host.name}/${t.repository}:${t.tag}`);
    } finally {
      client.close();
    }
  }
  return [input];
}

/**
 * Opens every image (layers already in the store are not read again: each distinct layer is read once
 * however many images use it), then audits them together. An image that can't be read is a problem
 * line, not the end of the audit; the same image under two names is audited once.
 */
export async function auditSources(sources: readonly string[], store: LayerStore, opts: OpenOptions, onImage?: (done: number, total: number, source: string) => void): Promise<AuditOutcome> {
  const images: AuditedImage[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [n, source] of sources.entries()) {
    onImage?.(n, sources.length, source);
    try {
      const { model } = await modelFor(source, store, opts);
      rememberAnalysis(store, model);
      const name = source.startsWith('store://') ? (model.record.repoTags[0] ?? source) : source.replace(/^(registry|docker|podman):\/\//, '');
      if (seen.has(model.record.id)) continue;
      const waste = model.waste();
      const audited: AuditedImage = {
        name,
        id: model.record.id,
        layers: model.layerSummaries.map((l) => ({ diffId: l.diffId, compressedBytes: l.compressedBytes, command: l.command, index: model.layers[l.index] })),
        efficiencyScore: waste.efficiencyScore,
        wastedBytes: waste.wastedBytes,
      };
      seen.add(model.record.id);
      images.push(audited);
    } catch (e) {
      if (!(e instanceof FathomError)) throw e;
      problems.push(e.message);
    }
  }
  onImage?.(sources.length, sources.length, '');
  return { report: auditImages(images), problems };
}
