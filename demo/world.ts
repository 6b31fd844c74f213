import { ImageModel } from '../src/model/image-model.js';
import { loadStoredImage } from '../src/open-image.js';
import type { LayerStore } from '../store/store.js';
import { buildDemoImage, buildDemoImages } from './build.js';
import type { DemoImage } from './images.js';
import { SimulatedContainer } from './simulated-container.js';
import { actionsUpTo, allContainerActions, type ContainerAction } from './tour.js';

/** Everything the tour shows, built once before the first frame. */
export interface DemoWorld {
  store: LayerStore;
  models: Map<string, ImageModel>;
  /** A fresh simulated container for a story, with the actions of the steps before `step` already done. */
  container(which: 'cow' | 'committed', step: number): SimulatedContainer;
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
    container(which, step) {
      if (which === 'committed') return new SimulatedContainer(models.get('demo/committed:1')!, 'demo-committed');
      const c = new SimulatedContainer(base, 'demo-container');
      for (const a of actionsUpTo(step - 1)) applyAction(c, a);
      return c;
    },
  };
}
