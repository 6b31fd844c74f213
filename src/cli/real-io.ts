import type { ImageModel } from '../model/image-model.js';
import { rememberAnalysis } from '../open-image.js';
import type { IngestProgress } from '../sources/types.js';
import type { AppIo, ContainerDetail, ContainerListRow, ImageListRow } from '../view/app-io.js';
import type { ImageRecord, LayerStore } from '../../store/store.js';
import { imageSizeBytes } from '../model/image-model.js';
import { connect, type Engine, type EngineKind } from '../sources/engine/connection.js';
import { EngineImageList } from '../sources/engine/images.js';
import { containerSizes, inspectContainer, listContainers } from '../sources/engine/containers.js';
import { ContainerWatcher } from '../sources/engine/container-watch.js';
import { ContainerLog, actOnContainer } from '../sources/engine/container-actions.js';
import { openContainer } from '../open-container.js';
import { modelFor, registryOptions, type OpenOptions } from './open-source.js';
import type { RegistryTag } from '../sources/registry/registry-list.js';
import type { RegistryHost } from '../sources/registry/reference.js';

function storeRows(store: LayerStore, skipIds: Set<string>): ImageListRow[] {
  return store
    .listImages()
    .filter((r) => !skipIds.has(r.id))
    .map((r) => ({
      source: `store://${r.id}`,
      origin: 'store' as const,
      tag: r.repoTags[0] ?? (r.sources[0] ?? '<none>').replace(/^[a-z-]+:\/\//, '').split('/').slice(-2).join('/'),
      id: r.id,
      created: r.config.created ? Math.floor(Date.parse(r.config.created) / 1000) : null,
      sizeBytes: r.analysis?.sizeBytes ?? storedSize(store, r),
      layers: r.layers.length,
      efficiency: r.analysis?.efficiencyScore ?? null,
    }));
}

/** An image's size from its layers' index headers (cheap: no columns read), for a record never analysed. */
function storedSize(store: LayerStore, record: ImageRecord): number | null {
  try {
    return imageSizeBytes(record.layers.map((l) => store.loadIndex(l.diffId)));
  } catch {
    return null; // a layer damaged or gone: the list says nothing rather than something wrong
  }
}

/** A registry's tags as image rows: names first, then each one's ID, age, size and layers as they are read. */
function watchRegistry(store: LayerStore, host: RegistryHost, opts: OpenOptions, onChange: (rows: ImageListRow[], problem: string | null) => void): () => void {
  let stopped = false;
  const options = registryOptions(opts);
  const rowsOf = (tags: readonly RegistryTag[]): ImageListRow[] =>
    tags.map((t) => {
      const stored = t.id ? store.getImage(t.id) : null;
      return {
        source: `registry://${host.name}/${t.repository}:${t.tag}`,
        origin: 'registry',
        tag: `${t.repository}:${t.tag}`,
        id: t.id ?? '',
        created: t.created,
        sizeBytes: t.compressedBytes,
        layers: t.layers,
        efficiency: stored?.analysis?.efficiencyScore ?? null,
      };
    });
  let shown: readonly RegistryTag[] = [];
  const problemOf = (tags: readonly RegistryTag[]) => {
    const bad = tags.filter((t) => t.problem);
    return bad.length > 0 ? `${bad.length} tag${bad.length === 1 ? '' : 's'} could not be read: ${bad[0].problem}` : null;
  };
  // The registry's HTTP and TLS code loads only for this list (see lazyRegistrySource).
  void Promise.all([import('../sources/registry/registry-source.js'), import('../sources/registry/registry-list.js')]).then(([{ registryClient }, { listRegistry }]) => {
    const client = registryClient(host, options, `registry://${host.name}`);
    return listRegistry(client, opts.platform, (tags) => {
      shown = tags;
      if (!stopped) onChange(rowsOf(tags), problemOf(tags));
    }, () => stopped)
      .catch((e: Error) => {
        if (!stopped) onChange(rowsOf(shown), e.message);
      })
      .finally(() => client.close());
  });
  return () => {
    stopped = true;
  };
}

/** The panes' window on the world: the store, the engine (when one answers), archives named on the command line. */
export function realIo(store: LayerStore, opts: OpenOptions & { engine?: EngineKind; archives?: string[]; registry?: RegistryHost }): AppIo {
  let engine: Engine | null = null;
  const getEngine = () => (engine ??= connect(opts.engine ?? 'docker', opts.host));
  const registry = opts.registry;

  return {
    store,
    ...(registry && { imagesTitle: `registry ${registry.name}`, imagesNote: 'sizes as the registry stores them (compressed); open one for its files' }),
    async openImage(source: string, onProgress: (p: IngestProgress) => void, onPreview?: (preview: ImageModel) => Promise<void> | void, onFirstLook?: (coming: boolean) => void) {
      return (await modelFor(source, store, opts, onProgress, onPreview, onFirstLook)).model;
    },
    async audit(sources, onImage) {
      const { auditSources } = await import('./audit-run.js');
      return auditSources(sources, store, { ...opts, progress: false }, onImage);
    },
    rememberAnalysis(model) {
      rememberAnalysis(store, model);
    },
    sharedDiffIds(model) {
      const out = new Set<string>();
      for (const r of store.listImages()) if (r.id !== model.record.id) for (const l of r.layers) out.add(l.diffId);
      return out;
    },
    watchImages(onChange) {
      if (registry) return watchRegistry(store, registry, opts, onChange);
      let list: EngineImageList | null = null;
      let stopped = false;
      const archives: ImageListRow[] = (opts.archives ?? []).map((a) => ({ source: a, origin: 'archive', tag: a, id: '', created: null, sizeBytes: null, layers: null, efficiency: null }));
      const publish = () => {
        if (stopped) return;
        const engineRows: ImageListRow[] = (list?.list() ?? []).map((i) => {
          const stored = store.getImage(i.id);
          return {
            source: `${opts.engine ?? 'docker'}://${i.repoTags[0] ?? i.id}`,
            origin: 'engine',
            tag: i.repoTags[0] ?? '<none>',
            id: i.id,
            created: i.created,
            sizeBytes: i.sizeBytes,
            layers: stored?.layers.length ?? null,
            efficiency: stored?.analysis?.efficiencyScore ?? null,
          };
        });
        const problem = list?.problem() ?? engineProblem;
        onChange([...archives, ...engineRows, ...storeRows(store, new Set(engineRows.map((r) => r.id)))], problem ? `${problem} — showing the store's images` : null);
      };
      // Until the engine answers, the list says it is waiting (after a moment), then why it gave up.
      let engineProblem: string | null = null;
      const slow = setTimeout(() => {
        if (list) return;
        engineProblem = `the ${opts.engine ?? 'docker'} engine has not answered yet (${getEngine().endpoint.url})`;
        publish();
      }, 1500);
      slow.unref();
      publish();
      new EngineImageList(getEngine())
        .start()
        .then((l) => {
          clearTimeout(slow);
          engineProblem = null;
          if (stopped) return l.stop();
          list = l;
          l.subscribe(publish);
          publish();
        })
        .catch((e: Error) => {
          clearTimeout(slow);
          engineProblem = e.message;
          publish();
        });
      return () => {
        stopped = true;
        clearTimeout(slow);
        list?.stop();
      };
    },
    watchContainers(onChange) {
      let stopped = false;
      const sizes = new Map<string, { rw: number | null; root: number | null }>();
      const refresh = async () => {
        try {
          const list = await listContainers(getEngine());
          const rows: ContainerListRow[] = list.map((c) => ({
            id: c.id,
            name: c.name,
            image: c.image,
            state: c.state,
            status: c.status,
            created: c.created,
            ports: c.ports,
            sizeRwBytes: sizes.get(c.id)?.rw ?? null,
            sizeRootFsBytes: sizes.get(c.id)?.root ?? null,
            simulated: false,
          }));
          if (!stopped) onChange(rows, null);
          // Sizes are costly for the engine: one container at a time, after the list is on screen.
          for (const c of list) {
            if (stopped || sizes.has(c.id)) continue;
            const s = await containerSizes(getEngine(), c.id).catch(() => ({ sizeRw: null, sizeRootFs: null }));
            sizes.set(c.id, { rw: s.sizeRw, root: s.sizeRootFs });
            if (!stopped) onChange(rows.map((r) => ({ ...r, sizeRwBytes: sizes.get(r.id)?.rw ?? null, sizeRootFsBytes: sizes.get(r.id)?.root ?? null })), null);
          }
        } catch (e) {
          if (!stopped) onChange([], (e as Error).message);
        }
      };
      void refresh();
      const timer = setInterval(() => void refresh(), 3000);
      return () => {
        stopped = true;
        clearInterval(timer);
      };
    },
    containerAction(id, action, running) {
      return actOnContainer(getEngine(), id, action, running);
    },
    openContainer(id) {
      return openContainer(getEngine(), opts.engine ?? 'docker', id, store, async (source) => (await modelFor(source, store, opts)).model);
    },
    containerLog(id) {
      const log = new ContainerLog(getEngine(), id);
      void log.start();
      return log;
    },
    containerDetail(id: string, name?: string): ContainerDetail {
      const feed = new ContainerWatcher(getEngine(), id, { label: name }).start();
      const detail: ContainerDetail = { feed, storage: null };
      void inspectContainer(getEngine(), id)
        .then((info) => {
          const d = info.graphDriver.data;
          detail.storage = { driver: info.graphDriver.name, lowerDir: d.LowerDir ?? null, upperDir: d.UpperDir ?? null, mergedDir: d.MergedDir ?? null };
        })
        .catch(() => {});
      return detail;
    },
  };
}
