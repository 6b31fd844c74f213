#!/usr/bin/env node
'use strict';
// CommonJS (bin/package.json says so): nothing of Node's ES module loader starts before the bundle runs.
// React's development build is many times slower and records performance marks on every render.
process.env.NODE_ENV ??= 'production';

const path = require('node:path');
const { runBundle } = require('./code-cache.cjs');

const bundle = path.join(__dirname, '..', 'dist', 'fathom.cjs');

async function main() {
  // The bundle (npm run build) starts fastest; the plain compiled modules work too.
  const cli = runBundle(bundle)?.cli ?? (await import('../dist/src/cli/main.js')).cli;
  await cli(process.argv.slice(2));
}

main();
