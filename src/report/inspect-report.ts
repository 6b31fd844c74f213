import type { FileTypeName } from '../model/entry.js';
import type { ImageModel } from '../model/image-model.js';
import { attributesOf, diffNames, type ChangeKind, type LayerChange } from '../union/changes.js';
import type { UnionNode } from '../union/union-tree.js';

export type FilesMode = 'union' | 'changes' | 'none';

export interface FileRow {
  path: string;
  type: FileTypeName;
  sizeBytes: number;
  mode: string;
  uid: number;
  gid: number;
  linkTarget: string | null;
  layer: number;
  change: ChangeKind;
  /** Only on modified paths: what differs ("type", "content", "mode", "uid", "gid", "link"), so a chmod is told from an edit. */
  differs?: string[];
  /** Only where the layer's tar named the path through a symlink it made ("/lnk"): written here, as Docker does. */
  writtenThrough?: string;
}

/** The symlink an entry's tar name went through, as a field of its row (none for most). */
function throughField(model: ImageModel, layer: number, entry: number): Pick<FileRow, 'writtenThrough'> {
  const through = layer >= 0 && entry >= 0 ? model.layers[layer].writtenThrough.get(entry) : undefined;
  return through === undefined ? {} : { writtenThrough: through };
}

/** `change`, and for a modification what differs. */
function changeFields(change: ChangeKind, diff: number): Pick<FileRow, 'change' | 'differs'> {
  return change === 'modified' ? { change, differs: diffNames(diff) } : { change };
}

/** The stable JSON of `fathom inspect --json` (the schema in the README). */
export function inspectReport(model: ImageModel, opts: { source: string; layer?: number; files: FilesMode }) {
  const record = model.record;
  const cfg = record.config.config ?? {};
  const waste = model.waste();
  const layerNo = opts.layer ?? model.layerCount - 1;
  return {
    source: opts.source,
    ...(model.engineRead && { engineRead: model.engineRead.via }),
    ...(model.registryRead && { registry: { host: model.registryRead.host, ...model.registryRead.transport } }),
    image: {
      id: record.id,
      repoTags: record.repoTags,
      digest: record.manifestDigest,
      os: record.config.os ?? null,
      architecture: record.config.architecture ?? null,
      created: record.config.created ?? null,
      config: {
        entrypoint: cfg.Entrypoint ?? null,
        cmd: cfg.Cmd ?? null,
        env: cfg.Env ?? [],
        workingDir: cfg.WorkingDir ?? '',
        user: cfg.User ?? '',
        exposedPorts: Object.keys(cfg.ExposedPorts ?? {}),
        labels: cfg.Labels ?? {},
      },
      sizeBytes: model.sizeBytes,
      layerCount: model.layerCount,
    },
    history: model.history.map((h) => ({ createdBy: h.createdBy, created: h.created, emptyLayer: h.emptyLayer, layerIndex: h.layerIndex })),
    layers: model.layerSummaries.map((l) => ({
      index: l.index,
      diffId: l.diffId,
      digest: l.digest,
      mediaType: l.mediaType,
      compressedBytes: l.compressedBytes,
      sizeBytes: l.sizeBytes,
      command: l.command,
      added: l.added,
      modified: l.modified,
      removed: l.removed,
      shadowedBytes: l.shadowedBytes,
    })),
    analysis: {
      efficiencyScore: waste.efficiencyScore,
      wastedBytes: waste.wastedBytes,
      userWastedPercent: waste.userWastedPercent,
      reclaimableBytes: waste.reclaimableBytes,
      removedByWhiteoutBytes: waste.removedByWhiteoutBytes,
      removedByOpaqueBytes: waste.removedByOpaqueBytes,
      duplicateContentBytes: waste.duplicateContentBytes,
      duplicateContentGroups: waste.duplicateContentGroups,
      inefficiencies: waste.inefficiencies.map((i) => ({ path: i.path, count: i.count, sizeBytes: i.sizeBytes, reclaimableBytes: i.reclaimableBytes })),
      duplicateContent: waste.duplicateContent,
    },
    ...(opts.files === 'none' ? {} : { files: opts.files === 'union' ? unionRows(model, layerNo) : changeRows(model, layerNo) }),
  };
}

function sortedChildren(node: UnionNode): UnionNode[] {
  return [...node.children!.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The union at layer n, depth first in name order, each path marked with what layer n did to it. */
export function unionRows(model: ImageModel, n: number): FileRow[] {
  const changed = new Map<string, LayerChange>(model.changesAt(n).map((c) => [c.path, c]));
  const rows: FileRow[] = [];
  const visit = (node: UnionNode, prefix: string) => {
    for (const child of sortedChildren(node)) {
      const path = prefix + child.name;
      const a = attributesOf(model.layers, child.layer, child.entry, child.srcLayer, child.srcEntry);
      const c = child.layer === n ? changed.get(path) : undefined;
      rows.push({ path: `/${path}`, ...a, layer: child.layer, ...(child.layer !== n ? { change: 'unmodified' } : c ? changeFields(c.change, c.diff) : { change: 'added' }), ...throughField(model, child.layer, child.entry) });
      if (child.children) visit(child, `${path}/`);
    }
  };
  visit(model.unionAt(n), '');
  return rows;
}

/** Layer n's change set, removals included. */
export function changeRows(model: ImageModel, n: number): FileRow[] {
  return model.changesAt(n).map((c) => ({
    path: `/${c.path}`,
    ...attributesOf(model.layers, c.layer, c.entry, c.srcLayer, c.srcEntry),
    layer: c.change === 'removed' ? n : c.layer,
    ...changeFields(c.change, c.diff),
    ...(c.change !== 'removed' && throughField(model, c.layer, c.entry)),
  }));
}

