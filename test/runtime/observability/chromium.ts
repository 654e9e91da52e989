import { existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Chromium from PATH (Debian: `apt-get install chromium`), or CHROMIUM_PATH, for the status-page
 * tests. Missing, a test fails saying how to install it: it is a prerequisite of `npm test`
 * (README), never skipped.
 */
export function chromiumPath(): string {
  const given = process.env.CHROMIUM_PATH;
  const candidates = given
    ? [given]
    : (process.env.PATH ?? '').split(delimiter).flatMap((dir) => ['chromium', 'chromium-browser'].map((name) => join(dir, name)));
  const found = candidates.find((file) => existsSync(file) && statSync(file).isFile());
  if (!found) {
    throw new Error(
      `The status-page test drives a real Chromium and found none (${given ? `CHROMIUM_PATH=${given} is not a file` : 'no chromium or chromium-browser on PATH'}). ` +
        'Install it (Debian/Ubuntu: `apt-get install chromium`) ' +
        'or set CHROMIUM_PATH to a Chromium binary. README.md, "Run the tests", lists every prerequisite of `npm test`.',
    );
  }
  return found;
}

/** Headless in a container: no sandbox (root), no GPU. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu'];
