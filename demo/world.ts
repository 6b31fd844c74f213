import { ImageModel } from '../src/model/image-model.js';
import { loadStoredImage } from '../src/open-image.js';
import type { LayerStore } from '../store/store.js';
import { buildDemoImage, buildDemoImages } from './build.js';
import type { DemoImage } from './images.js';
import { SimulatedContainer } from './simulated-container.js';
import { actionsUpTo, allContainerActions, type ContainerAction, type Lang } from './tour.js';
import type { ChangeFeed } from '../src/model/change-feed.js';
import type { ContainerDetail } from '../src/view/app-io.js';

/** Everything the tour shows, built once before the first frame: simulated, or from a real engine. */
export interface DemoWorld {
  store: LayerStore;
  models: Map<string, ImageModel>;
  /** A container for a story as it stood before `step` (the step's own actions then play out on screen). */
  container(which: 'cow' | 'committed', step: number, lang: Lang): ChangeFeed;
  /** The storage facts the container pane shows (filled in when known). */
  storage(which: 'cow' | 'committed', lang: Lang): ContainerDetail['storage'];
  /** Does one action inside that container. */
  perform(container: ChangeFeed, action: ContainerAction): void;
  /** Removes whatever the world created outside the store (real containers). */
  /** Removes what the world made (containers, a committed image): resolves once they are gone. */
  close(): Promise<void>;
}

export function applyAction(c: SimulatedContainer, a: ContainerAction): void {
  if (a.op === 'append') c.append(a.path, a.text);
  else if (a.op === 'touch') c.touch(...a.paths);
  else c.remove(a.path);
}

/** The image `docker commit` would make of the copy-on-write story's container. */
export function committedImage(container: SimulatedContainer): DemoImage {
  return { name: 'demo/committed:1', from: 'demo/base:1', rows: [{ createdBy: 'docker commit demo-container (touch hello world, rm /etc/motd, append to settings.conf)', entries: container.layerEntries() }], config: { Cmd: ['/bin/sh'] } };
}

export async function prepareDemo(store: LayerStore): Promise<DemoWorld> {
  const records = await buildDemoImages(store);
  const models = new Map<string, ImageModel>();
  for (const [name, record] of records) models.set(name, new ImageModel(loadStoredImage(record, store)));
  const base = models.get('demo/base:1')!;
  const story = new SimulatedContainer(base, 'demo-container');
  for (const a of allContainerActions()) applyAction(story, a);
  const committed = await buildDemoImage(store, committedImage(story));
  models.set('demo/committed:1', new ImageModel(loadStoredImage(committed, store)));
  return {
    store,
    models,
    container(which, step, lang) {
      if (which === 'committed') return new SimulatedContainer(models.get('demo/committed:1')!, 'demo-committed', lang);
      const c = new SimulatedContainer(base, 'demo-container', lang);
      for (const a of actionsUpTo(step - 1)) applyAction(c, a);
      return c;
    },
    storage(which, lang) {
      const image = which === 'cow' ? 'demo/base' : 'demo/committed';
      const layers = models.get(`${image}:1`)!.layerCount;
      const simulated = lang === 'ko' ? '(시뮬레이션)' : '(simulated)';
      const upperDir = lang === 'ko' ? '(쓰기 레이어, 메모리 안)' : '(the writable layer, in memory)';
      return { driver: `overlay2 ${simulated}`, lowerDir: Array.from({ length: layers }, (_, i) => `layer ${i} of ${image}`).join(':'), upperDir, mergedDir: simulated };
    },
    perform(container, action) {
      applyAction(container as SimulatedContainer, action);
    },
    async close() {},
  };
}
