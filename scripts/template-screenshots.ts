/**
 * The editor screenshots the templates' READMEs show, workflows-templates/<name>/canvas.png:
 *
 *   node -r ./scripts/ts-hook.js scripts/template-screenshots.ts [template...]   (every template when none is named)
 *
 * Sets n8n 2.8.4 up as the end-to-end tests do (test/e2e/support: the package built, packed and installed as n8n
 * installs community packages, every template imported and published with the tests' credentials, an owner),
 * signs in as the owner in Debian's headless Chromium (playwright-core), opens each template, zooms to fit and
 * saves the canvas at a fixed size once it has stopped moving.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../test/runtime/observability/chromium';
import { startRedisServer } from '../test/support/redis-server';
import { packNodePackage } from '../test/e2e/support/package-tarball';
import { templateNames } from '../test/e2e/support/templates';
import { startWorld } from '../test/e2e/support/world';

const VERSION = '2.8.4';
const TEMPLATES = join(__dirname, '..', 'workflows-templates');
/** The picture's size; the viewport leaves n8n's sidebar (42 px), header (65 px) and logs bar around a canvas of that size. */
const PICTURE = { width: 1560, height: 820 };
const VIEWPORT = { width: 1602, height: 919 };

async function main(): Promise<void> {
  const known = templateNames();
  const names = process.argv.slice(2);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`no such template: ${unknown.join(', ')} (templates: ${known.join(', ')})`);

  // The templates' Redis credential needs a Redis, as in the tests' globalSetup.
  const redis = await startRedisServer();
  process.env.REDIS_URL = redis.url;
  const world = await startWorld({ version: VERSION, tarball: packNodePackage(), workflows: [] }).catch(async (error) => {
    await redis.stop();
    throw error;
  });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    await signIn(page, world.n8n.baseUrl, world.owner);
    for (const name of names.length > 0 ? names : known) {
      const file = join(TEMPLATES, name, 'canvas.png');
      writeFileSync(file, await canvasOf(page, `${world.n8n.baseUrl}/workflow/${world.templates[name].id}`));
      process.stdout.write(`${name}: ${file}\n`);
    }
  } finally {
    await browser.close();
    await world.stop();
    await redis.stop();
  }
}

async function signIn(page: Page, baseUrl: string, owner: { email: string; password: string }): Promise<void> {
  await page.goto(`${baseUrl}/signin`);
  await page.fill('input[name="emailOrLdapLoginId"]', owner.email);
  await page.fill('input[name="password"]', owner.password);
  await page.click('[data-test-id="form-submit-button"]');
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
}

/** The workflow's canvas, zoomed to fit (n8n's shortcut "1"), once two shots half a second apart are the same. */
async function canvasOf(page: Page, url: string): Promise<Buffer> {
  await page.goto(url);
  const canvas = page.locator('[data-test-id="canvas"]').first();
  await canvas.waitFor();
  await page.locator('[data-test-id="canvas-node"]').first().waitFor();
  await page.keyboard.press('1');
  const box = await canvas.boundingBox();
  if (!box || box.width < PICTURE.width || box.height < PICTURE.height) throw new Error(`the canvas is ${JSON.stringify(box)}, smaller than the picture`);
  const shot = () => page.screenshot({ clip: { x: box.x, y: box.y, ...PICTURE }, animations: 'disabled' });
  let previous = await shot();
  for (let attempt = 0; attempt < 20; attempt++) {
    await page.waitForTimeout(500);
    const next = await shot();
    if (next.equals(previous)) return next;
    previous = next;
  }
  throw new Error(`the canvas of ${url} did not settle`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
