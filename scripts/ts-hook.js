/**
 * Lets Node require .ts files by transpiling them with the project's TypeScript (no type check).
 * Transpiled files are cached by their content in node_modules/.cache/ts-hook, so a process
 * that finds everything there never loads TypeScript (half a second): the runtime's delivery
 * thread, started from the sources in the tests, starts in a tenth of that.
 */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const CACHE = join(__dirname, '..', 'node_modules', '.cache', 'ts-hook');
/** Part of every cache key: a change here, or another TypeScript, transpiles everything again. */
const SETTINGS = `CommonJS ES2022 esModuleInterop typescript@${require('typescript/package.json').version}`;

function transpile(source, filename) {
  const ts = require('typescript');
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  return ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
}

require.extensions['.ts'] = (module, filename) => {
  const source = readFileSync(filename, 'utf8');
  const key = createHash('sha256').update(`${SETTINGS}\n${filename}\n`).update(source).digest('hex');
  const cached = join(CACHE, `${key}.js`);
  let output;
  try {
    output = readFileSync(cached, 'utf8');
  } catch {
    output = transpile(source, filename);
    // Written aside and renamed, so a process reading it at the same time sees all of it or none.
    const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    try {
      mkdirSync(CACHE, { recursive: true });
      writeFileSync(partial, output);
      renameSync(partial, cached);
    } catch {
      // A cache that cannot be written (read-only checkout) only costs the transpile next time.
    }
  }
  module._compile(output, filename);
};
