#!/usr/bin/env node
// Runs a TypeScript file without a build step: `node bin/run-ts.mjs script.ts [args…]`.
// The script sees its own arguments from process.argv[3] on.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register as registerCjs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: node run-ts.mjs <file.ts> [args…]\n');
  process.exit(2);
}
// Both hooks: a .ts file in a package without "type": "module" loads as CommonJS.
register();
registerCjs();
await import(pathToFileURL(resolve(file)).href);
