#!/usr/bin/env node
// Entry point of the `pronghorn` command: runs the compiled CLI (npm run build writes dist/).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const compiled = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(compiled)) {
  console.error('pronghorn: dist/ is missing; run `npm run build` first (npm start and the bench scripts do it for you).');
  process.exit(2);
}
require(compiled).main(process.argv).catch((err) => {
  console.error(`pronghorn: ${err && err.message ? err.message : err}`);
  process.exit(1);
});
