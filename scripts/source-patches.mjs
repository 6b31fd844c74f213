// Edits the bundle makes to its dependencies' sources as esbuild loads them (see bundle.mjs), kept apart
// so that test/unit/bundle-stand-ins.test.ts can bundle a dependency with and without an edit.
import fs from 'node:fs';

/** Replaces `from` in a dependency's source with `to`, and fails the build if `from` is no longer there. */
export function patchSource(name, filter, edits) {
  return {
    name,
    setup(b) {
      b.onLoad({ filter }, (args) => {
        let source = fs.readFileSync(args.path, 'utf8');
        for (const [from, to] of edits) {
          if (!source.includes(from)) throw new Error(`${name}: ${args.path} no longer contains ${JSON.stringify(from)}; update scripts/source-patches.mjs`);
          source = source.replace(from, to);
        }
        return { contents: source, loader: 'js' };
      });
    },
  };
}

// React devtools need DEV=true and react-devtools-core; the bundle supports neither (see no-devtools.js).
export const inkWithoutDevtools = patchSource('ink-without-devtools', /ink[\\/]build[\\/]reconciler\.js$/, [
  ["await import('./devtools.js');", '/* devtools: not in the bundle */'],
  ['? await loadPackageJson()', '? { name: undefined, version: undefined }'],
]);

// Ink's Output starts every frame from a grid of blank cells, a new object (and a new styles array) for
// each of ~5,000 cells, though a cell is only ever replaced, never changed: one frozen blank serves them all.
export const inkSharedBlankCell = patchSource('ink-shared-blank-cell', /ink[\\/]build[\\/]output\.js$/, [
  [
    "row.push({\n                    type: 'char',\n                    value: ' ',\n                    fullWidth: false,\n                    styles: [],\n                });",
    'row.push(BLANK_CELL);',
  ],
  ['class OutputCaches {', "const BLANK_CELL = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: Object.freeze([]) });\nclass OutputCaches {"],
]);
