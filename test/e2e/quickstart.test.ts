import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../runtime/src/cli';
import { freePort } from '../support/redis-server';
import { matrixVersions } from './support/n8n-install';
import { startN8n, type CredentialExport, type N8nInstance, type WorkflowExport } from './support/n8n-instance';
import { packNodePackage } from './support/package-tarball';
import { explainedByRuntime, launchRuntime, type RuntimeProcess } from './support/runtime-process';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink';
import { webhookPathsOf } from './support/world';

/*
 * docs/quickstart.md, step by step, in real n8n: the nodes from the packed tarball, the
 * credentials made by the receipts README's own shell commands, the dead-letters and receipts
 * templates taken from the package, the runtime on its example config (secrets from the
 * environment), and one `send-test-event` that runs the receipts template exactly once.
 * Differences from a person's run: n8n and the runtime listen on free ports (PORT and
 * N8N_WEBHOOK_URL, which the example config reads, say where), and mail goes to a loopback sink.
 */
jest.setTimeout(10 * 60_000);

const REPO = resolve(__dirname, '..', '..');
const RECEIPTS_README = join(REPO, 'workflows-templates', 'receipts', 'README.md');

/** The credentials step of the receipts README: its heredoc, run by bash as a person would paste it. */
function credentialsAsTheReadmeMakesThem(env: NodeJS.ProcessEnv): CredentialExport[] {
  const readme = readFileSync(RECEIPTS_README, 'utf8');
  const block = /\n( *)```sh\n((?: *cat > payment-credentials\.json <<EOF\n)[\s\S]*?\n *EOF)\n/.exec(readme);
  if (!block) throw new Error('the receipts README has no `cat > payment-credentials.json <<EOF` step');
  // Markdown strips the list item's indent from its code block; so does a person's copy.
  const script = block[2].split('\n').map((line) => line.slice(block[1].length)).join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'pw-e2e-quickstart-'));
  try {
    execFileSync('bash', ['-c', script], { cwd: dir, env: { ...process.env, ...env } });
    return JSON.parse(readFileSync(join(dir, 'payment-credentials.json'), 'utf8')) as CredentialExport[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A template as the installed package holds it (dist/workflows-templates in the tarball). */
function templateFromPackage(tarball: string, name: string): WorkflowExport {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, `package/dist/workflows-templates/${name}/workflow.json`], { encoding: 'utf8' })) as WorkflowExport;
}

describe.each(matrixVersions())('docs/quickstart.md on n8n %s', (version) => {
  const secrets = {
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('hex')}`,
    PAYMENT_WEBHOOKS_DELIVERY_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
  };
  let smtp: SmtpSink;
  let n8n: N8nInstance | undefined;
  let runtime: RuntimeProcess | undefined;
  let receipts: WorkflowExport;

  beforeAll(async () => {
    const tarball = packNodePackage();
    smtp = await startSmtpSink();
    const redis = new URL(process.env.REDIS_URL ?? '');
    const credentials = credentialsAsTheReadmeMakesThem({ ...secrets, REDIS_HOST: redis.hostname, REDIS_PORT: redis.port, SMTP_PORT: String(smtp.port) });
    // The README's order: the error workflow first, the receipts workflow it names second.
    const deadLetters = templateFromPackage(tarball, 'dead-letters');
    receipts = templateFromPackage(tarball, 'receipts');
    n8n = await startN8n({
      version,
      tarball,
      credentials,
      workflows: [deadLetters, receipts],
      webhookPaths: [deadLetters, receipts].flatMap(webhookPathsOf),
      env: { PAYMENT_WEBHOOKS_DELIVERY_SECRET: secrets.PAYMENT_WEBHOOKS_DELIVERY_SECRET },
    });
    const dir = mkdtempSync(join(tmpdir(), 'pw-e2e-quickstart-runtime-'));
    const port = await freePort();
    // No --config and no payment-webhooks.config.yaml in its folder: the example config.
    runtime = await launchRuntime({
      args: [],
      env: { ...secrets, PORT: String(port), N8N_WEBHOOK_URL: n8n.webhookUrl(`runtime-${receipts.id}`), INIT_CWD: dir },
      dir,
      port,
    });
  });

  afterAll(async () => {
    await runtime?.stop();
    await n8n?.stop();
    await smtp?.close();
  });

  test('the runtime runs on the example config with the secrets from the environment: no demo-secret warning', () => {
    expect(runtime!.output()).toContain(`"url":"${runtime!.url}"`);
    expect(runtime!.output()).not.toContain('public demo secret');
  });

  test('one send-test-event runs the receipts template exactly once', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      ['send-test-event', '--provider', 'stripe', '--secret', secrets.STRIPE_WEBHOOK_SECRET, '--url', `${runtime!.url}/webhooks/stripe`, '--kind', 'checkout.completed'],
      { out: (line) => out.push(line), err: (line) => err.push(line), env: {}, cwd: REPO },
    );
    expect({ code, out, err }).toMatchObject({ code: 0, out: [expect.stringMatching(/^200 OK/)], err: [] });

    const [run] = await explainedByRuntime(runtime!, n8n!.executions.waitForFinished(receipts.id, 1, 90_000));
    expect(run.status).toBe('success');
    expect(n8n!.executions.nodesRun(run.id)).toEqual(expect.arrayContaining(['From Runtime or Replay', 'Claim Event', 'Send Receipt', 'Complete']));
    const mail = smtp.messages.find((candidate) => candidate.to.includes('jenny.rosen@example.com'));
    expect(mail?.subject).toBe('Your receipt: €45.00');
    // Time for a second delivery or execution, were there to be one.
    await new Promise((done) => setTimeout(done, 3000));
    expect(n8n!.executions.list(receipts.id)).toHaveLength(1);
    expect(smtp.messages.filter((candidate) => candidate.to.includes('jenny.rosen@example.com'))).toHaveLength(1);
  });
});
