/**
 * A list parameter as n8n hands it over: an expression may give a real list, a typed value is
 * comma-separated text. Empty entries are dropped.
 */
export function listParameter(value: unknown): string[] {
  const entries = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return entries
    .filter((entry) => typeof entry === 'string' || typeof entry === 'number')
    .map((entry) => String(entry).trim())
    .filter((entry) => entry !== '');
}

/** A comma-separated list of numbers ("24, 72, 120"), refusing anything that is not one. */
export function numberListParameter(value: unknown, what: string): number[] {
  return listParameter(value).map((entry) => {
    const number = Number(entry);
    if (!Number.isFinite(number) || number < 0) throw new Error(`${what}: "${entry}" is not a number of zero or more`);
    return number;
  });
}
