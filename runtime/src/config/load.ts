import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { substituteEnv } from './env';
import { validateConfig } from './validate';
import type { RuntimeConfig } from './types';

/** A config that cannot be used; `errors` name each field at fault. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly errors: string[],
  ) {
    super(`${file}: ${errors.length} problem(s)\n  ${errors.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses YAML or JSON (JSON is YAML, but a .json file gets JSON's own error messages). */
function parse(text: string, file: string): unknown {
  try {
    return extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(file, [`(file): cannot be parsed: ${(error as Error).message}`]);
  }
}

/** The field an error names: each reads `field: problem`. */
const fieldOf = (error: string) => error.slice(0, error.indexOf(': '));

/**
 * A field whose environment variable is missing is reported once, by substitution: the
 * checks of the empty value left in its place would only repeat it ("is required", …).
 */
function withoutEchoes(validationErrors: string[], envErrors: string[]): string[] {
  const missing = envErrors.map(fieldOf);
  return validationErrors.filter((error) => {
    const field = fieldOf(error);
    return !missing.some((path) => field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`));
  });
}

export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<RuntimeConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`(file): cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  const errors: string[] = [];
  const substituted = substituteEnv(parse(text, file), env, errors);
  const result = validateConfig(substituted);
  if (!result.ok) errors.push(...withoutEchoes(result.errors, errors));
  if (errors.length > 0 || !result.ok) throw new ConfigError(file, errors);
  const tls = result.config.listen.tls;
  if (tls) {
    await Promise.all(
      (['cert', 'key'] as const).map(async (field) => {
        try {
          await readFile(tls[field]);
        } catch {
          errors.push(`listen.tls.${field}: cannot read "${tls[field]}"`);
        }
      }),
    );
    if (errors.length > 0) throw new ConfigError(file, errors);
  }
  return result.config;
}
