// Bundled in place of yoga-layout (see bundle.mjs). yoga-layout's entry instantiates its WebAssembly
// with a top-level await as it is imported; a CommonJS bundle can't hold one, and the bundle is
// CommonJS so that V8 can cache its compiled code (bin/fathom.js). Here the layout engine loads when
// the UI is about to render (layoutEngineReady, src/view/layout-engine.ts), and commands that draw
// nothing never load it. Ink reads Yoga's members only while laying out, never as its modules load.
import { loadYoga } from '../node_modules/yoga-layout/dist/src/load.js';
import { withoutFetch } from '../dist/src/view/without-fetch.js';

const Yoga = {};
export default Yoga;

let loading;

export function layoutEngineReady() {
  loading ??= withoutFetch(loadYoga).then((loaded) => {
    Object.assign(Yoga, loaded);
  });
  return loading;
}
