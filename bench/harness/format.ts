/** Number formats shared by the renderers of docs/benchmarks.md. */
export const int = (value: number) => Math.round(value).toLocaleString('en-US');
export const fixed = (value: number, digits = 1) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const percent = (value: number) => `${Math.round(value * 100)}%`;
export const yes = (met: boolean) => (met ? 'yes' : '**no**');
