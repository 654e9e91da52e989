/** Where an integer setting is read: its path (for errors), its default, its minimum, and the errors to add to. */
export interface IntegerSetting {
  path: string;
  fallback: number;
  min: number;
  errors: string[];
}

/** An integer (or a string of digits, as environment substitution gives) of at least `min`; the fallback when absent. */
export function readInteger(value: unknown, { path, fallback, min, errors }: IntegerSetting): number {
  if (value === undefined || value === null) return fallback;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min) {
    errors.push(`${path}: must be an integer ≥ ${min}`);
    return fallback;
  }
  return number;
}
