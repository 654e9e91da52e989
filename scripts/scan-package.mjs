// n8n's community-package scan, offline. `npx @n8n/scan-community-package NAME` fetches a published
// package and its provenance-attested source; here the same rule set (the scanner's own
// buildScanConfig()) runs on the repository's sources and on the package as it is published
// (scripts/stage-package.sh), with the same file patterns as the scanner's two legs.
// Fails on any error except the ones ioredis causes (docs/packaging.md says why it stays).
// Run `npm run build` first.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCANNER = '@n8n/scan-community-package/scanner/scanner.mjs';
const repository = join(dirname(fileURLToPath(import.meta.url)), '..');
const { buildScanConfig, SOURCE_FILE_PATTERNS } = await import(SCANNER);
// The ESLint and glob the scanner itself runs with.
const scannerRequire = createRequire(createRequire(import.meta.url).resolve(SCANNER));
const { ESLint } = scannerRequire('eslint');
const glob = scannerRequire('fast-glob');

/** What ioredis, the package's one runtime dependency, makes the rules report. */
function causedByIoredis(message, manifest) {
  if (message.ruleId === '@n8n/community-nodes/no-restricted-imports') return /'ioredis'/.test(message.message);
  if (message.ruleId === '@n8n/community-nodes/no-runtime-dependencies') {
    return Object.keys(manifest.dependencies ?? {}).join() === 'ioredis';
  }
  return false;
}

/** Lints like the scanner's analyzePackage, but returns every error instead of a formatted report. */
async function scanLeg(name, folder, patterns) {
  const eslint = new ESLint({ cwd: folder, allowInlineConfig: false, overrideConfigFile: true, overrideConfig: await buildScanConfig() });
  const files = glob.sync(patterns, { cwd: folder, absolute: true, ignore: ['node_modules/**', '**/package-lock.json'] });
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  const errors = (await eslint.lintFiles(files)).flatMap((result) =>
    result.messages
      .filter((message) => message.severity === 2)
      .map((message) => ({ ...message, file: relative(folder, result.filePath), ioredis: causedByIoredis(message, manifest) })),
  );
  return { name, files: files.length, errors };
}

function report({ name, files, errors }) {
  const perRule = new Map();
  for (const error of errors) {
    const key = `${error.ruleId}${error.ioredis ? ' (ioredis, accepted)' : ''}`;
    perRule.set(key, (perRule.get(key) ?? 0) + 1);
  }
  console.log(`== ${name}: ${files} files, ${errors.length} errors`);
  for (const [rule, count] of perRule) console.log(`  ${count} ${rule}`);
  for (const error of errors.filter((e) => !e.ioredis)) {
    console.log(`  FAIL ${error.file}:${error.line} ${error.ruleId}: ${error.message}`);
  }
}

const work = mkdtempSync(join(tmpdir(), 'scan-package-'));
try {
  execFileSync('bash', [join(repository, 'scripts/stage-package.sh'), work], { stdio: ['ignore', 'ignore', 'inherit'] });
  const published = join(work, 'package');
  // The sources leg: the repository's nodes and credentials with the package.json that is
  // published; the repository's own keeps the development-only fields stage-package.sh removes.
  const sources = join(work, 'sources');
  mkdirSync(sources);
  copyFileSync(join(published, 'package.json'), join(sources, 'package.json'));
  for (const folder of ['nodes', 'credentials']) cpSync(join(repository, folder), join(sources, folder), { recursive: true });

  const legs = [
    await scanLeg('sources (package.json, nodes/, credentials/)', sources, SOURCE_FILE_PATTERNS),
    await scanLeg('published package (**/*.js, package.json)', published, ['**/*.js', 'package.json']),
  ];
  legs.forEach(report);
  const failing = legs.flatMap((leg) => leg.errors).filter((error) => !error.ioredis).length;
  if (failing > 0) {
    console.error(`scan: ${failing} error(s) besides ioredis`);
    process.exitCode = 1;
  } else {
    console.log('scan: no errors besides ioredis');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
