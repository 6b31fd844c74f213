'use strict';
// The entry of dist/dockerode.cjs (see bundle.mjs): dockerode and what it requires, in one file.
module.exports = require('dockerode');
