'use strict';
/**
 * Lets a child process run the runtime's TypeScript sources directly (`node -r this-file
 * runtime/src/main.ts`), so fault tests spawn and SIGKILL a real process without a build.
 */
const { readFileSync } = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
