import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A thread's script: `name` beside the module in `directory`, as compiled JavaScript when the
 * runtime is installed, or, when it runs from its TypeScript sources (the tests), the .ts file
 * transpiled on load by the repository's hook.
 */
export function threadScript(directory: string, name: string): { file: string; execArgv: string[] } {
  const compiled = join(directory, `${name}.js`);
  if (existsSync(compiled)) return { file: compiled, execArgv: [] };
  const hook = join(__dirname, '..', '..', 'scripts', 'ts-hook.js');
  return { file: join(directory, `${name}.ts`), execArgv: ['--require', hook] };
}
