// The in-process UI bench as its own program, bundled as the binary is (`node scripts/bundle.mjs
// --ui-bench`), so it measures the code that ships: the same stand-ins, React's production build.
// Prints runUiBench's lines, then its result as JSON on the last line.
import { runUiBench } from './ui-bench.js';

const [storeDir, imageId, lastLayer, label] = process.argv.slice(2);
runUiBench(storeDir, imageId, Number(lastLayer), label).then(
  (result) => {
    console.log(JSON.stringify(result));
    process.exit(0);
  },
  (e: unknown) => {
    console.error((e as Error).message);
    process.exit(1);
  },
);
