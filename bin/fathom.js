#!/usr/bin/env node
// React's development build is many times slower and records performance marks on every render.
process.env.NODE_ENV ??= 'production';
// The bundle (npm run build) starts fastest; the plain compiled modules work too.
const { cli } = await import('../dist/fathom.mjs').catch((e) => {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  return import('../dist/src/cli/main.js');
});

await cli(process.argv.slice(2));
