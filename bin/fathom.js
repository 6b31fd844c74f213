#!/usr/bin/env node
// React's development build is many times slower and records performance marks on every render.
process.env.NODE_ENV ??= 'production';
const { cli } = await import('../dist/src/cli/main.js');

await cli(process.argv.slice(2));
