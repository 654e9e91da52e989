/**
 * `${NAME}` and `${NAME:-default}` inside string values are replaced from the environment,
 * so secrets stay out of config files. A missing variable without a default is an error
 * that names the field, never a silent empty secret.
 */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, errors: string[]): unknown {
  return substitute(value, { env, errors }, '');
}

function substitute(value: unknown, context: { env: NodeJS.ProcessEnv; errors: string[] }, path: string): unknown {
  const { env, errors } = context;
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      errors.push(`${path || '(root)'}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => substitute(item, context, `${path}[${index}]`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, context, path ? `${path}.${key}` : key)]),
    );
  }
  return value;
}
