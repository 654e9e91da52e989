import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..', '..', '..');

/** Builds the node package and packs it the way it is published; returns the tarball's path. */
export function packNodePackage(): string {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  // One folder, overwritten by each run (suites run one at a time), so runs leave nothing behind.
  const destination = join(tmpdir(), 'pw-e2e-pack');
  mkdirSync(destination, { recursive: true });
  const output = execFileSync('npm', ['pack', '--silent', '--pack-destination', destination], {
    cwd: REPO,
    encoding: 'utf8',
  });
  const file = output.trim().split('\n').pop();
  if (!file) throw new Error('npm pack did not name a tarball');
  return join(destination, file);
}

/** The nodes and credentials the package declares to n8n, as `dist/...` paths. */
export function declaredByPackage(): { nodes: string[]; credentials: string[] } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const manifest = require(join(REPO, 'package.json')) as { n8n: { nodes: string[]; credentials: string[] } };
  return manifest.n8n;
}
