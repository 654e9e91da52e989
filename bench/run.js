#!/usr/bin/env node
/**
 * Runs benchmarks: `npm run bench` runs every bench/*.ts, `npm run bench -- reconcile` one.
 * Each runs in its own Node process (fresh heap, room for the large sizes), compiled on load
 * with the project's TypeScript, so no build step is needed. Benchmarks print their own tables.
 */
const { spawnSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const path = require('node:path');

const here = __dirname;
const hook = path.join(here, 'ts-hook.js');
const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const passOn = process.argv.slice(2).filter((arg) => arg.startsWith('-'));
const names = requested.length > 0 ? requested : readdirSync(here).filter((file) => file.endsWith('.ts')).map((file) => file.slice(0, -3));

let failed = false;
for (const name of names) {
  const file = path.join(here, `${name}.ts`);
  console.log(`\n## ${name}\n`);
  const result = spawnSync(process.execPath, ['--max-old-space-size=8192', '--expose-gc', '-r', hook, file, ...passOn], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
