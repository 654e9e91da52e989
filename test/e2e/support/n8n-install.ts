import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

/**
 * Where the real n8n releases for the end-to-end tests live: a cache folder outside the
 * repository, one folder per version, filled by scripts/install-n8n.sh. The lines users run:
 * the last 1.x, the newest 2.x on Node 20, and the newest 2.x, which needs Node 24.
 */
export const DEFAULT_VERSIONS = ['1.123.81', '2.8.4', '2.40.7'];

export function cacheFolder(): string {
  return process.env.N8N_E2E_CACHE ?? join(homedir(), '.cache', 'n8n-payment-webhooks');
}

/** N8N_E2E_VERSIONS (space or comma separated) or the default versions. */
export function matrixVersions(): string[] {
  const listed = (process.env.N8N_E2E_VERSIONS ?? '').split(/[\s,]+/).filter(Boolean);
  return listed.length > 0 ? listed : DEFAULT_VERSIONS;
}

export function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

export function n8nBin(version: string): string {
  return join(cacheFolder(), version, 'node_modules', '.bin', 'n8n');
}

/**
 * The PATH an installed version runs with. A line that needs a newer Node than the machine's has
 * the Node that scripts/install-n8n.sh installed for it first (its folder's .node-bin names that
 * bin/ folder), so n8n's `#!/usr/bin/env node`, the processes it starts and its npm all run on it.
 */
export function pathFor(version: string): string {
  const pointer = join(cacheFolder(), version, '.node-bin');
  const inherited = process.env.PATH ?? '';
  if (!existsSync(pointer)) return inherited;
  return resolve(cacheFolder(), version, readFileSync(pointer, 'utf8').trim()) + delimiter + inherited;
}

function installed(version: string): boolean {
  return existsSync(join(cacheFolder(), version, '.installed')) && existsSync(n8nBin(version));
}

/**
 * Returns the n8n binary of a version, installing it first when the cache lacks it
 * (several minutes). Throws a message that says what to do when that fails.
 */
export function ensureN8n(version: string): string {
  if (installed(version)) return n8nBin(version);
  const script = resolve(__dirname, '..', '..', '..', 'scripts', 'install-n8n.sh');
  const run = spawnSync('bash', [script, version], { stdio: 'inherit', env: process.env });
  if (run.status !== 0 || !installed(version)) {
    throw new Error(
      `n8n ${version} is not installed in ${join(cacheFolder(), version)} and installing it failed. ` +
        `Run \`bash scripts/install-n8n.sh ${version}\` and read its output (it needs the npm registry), ` +
        'or point N8N_E2E_CACHE at a folder that holds it.',
    );
  }
  return n8nBin(version);
}
