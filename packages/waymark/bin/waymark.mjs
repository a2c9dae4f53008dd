#!/usr/bin/env node
// The `waymark` executable. tsx is registered first, so the CLI's own TypeScript sources and
// users' workflow modules (.ts) load without a build step.
import { register as registerCjs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

// Both hooks: a .ts file in a package without "type": "module" loads as CommonJS.
register();
registerCjs();
const { main } = await import('../src/cli/main.ts');
await main();
