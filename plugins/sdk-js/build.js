#!/usr/bin/env node
// isac-policy-build APP.js OUT.wasm: builds a policy module into a component
// against the contract packed with this SDK (wit/policy.wit), with the WASI
// features a policy must not use left out: no HTTP or fetch (the host links
// none), no clocks or entropy (a decision must not depend on them).
//
// Runs in Node, never inside a component: index.js is what plugins import.

import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentize } from '@bytecodealliance/componentize-js';

const [source, out] = process.argv.slice(2);
if (!source || !out) {
  console.error('usage: isac-policy-build APP.js OUT.wasm');
  process.exit(2);
}
const wit = join(dirname(fileURLToPath(import.meta.url)), 'wit');
const started = Date.now();
const { component } = await componentize({
  sourcePath: source,
  witPath: wit,
  worldName: 'sharing-policy',
  disableFeatures: ['http', 'fetch-event', 'random', 'clocks'],
});
await writeFile(out, component);
console.log(`built ${out} (${component.length} bytes, ${Math.round((Date.now() - started) / 1000)} s)`);
