import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

/**
 * The rules `npm run lint` checks, run on a small tree laid out like the repository: every
 * import the layering allows passes, and each deliberate violation is reported under its rule.
 */
const repository = join(__dirname, '..', '..');
const rulesFile = join(repository, '.dependency-cruiser.cjs');
const depcruise = join(repository, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** File -> the files it imports (relative to the tree's root). */
type Tree = Record<string, string[]>;

const allowed: Tree = {
  'core/event.ts': ['core/money.ts'],
  'core/money.ts': [],
  'nodes/shared/items.ts': ['core/event.ts'],
  'nodes/PaymentRisk/PaymentRisk.node.ts': ['nodes/shared/items.ts', 'core/event.ts'],
  'nodes/PaymentWebhookTrigger/receive.ts': ['core/providers/settings.ts'],
  'core/providers/settings.ts': ['core/event.ts'],
  'credentials/PaymentGatewayApi.credentials.ts': ['core/providers/settings.ts'],
  'runtime/src/ingress/app.ts': ['core/event.ts'],
};

const violations: Tree = {
  'core/reads-node.ts': ['nodes/shared/items.ts'],
  'core/reads-credential.ts': ['credentials/PaymentGatewayApi.credentials.ts'],
  'core/reads-runtime.ts': ['runtime/src/ingress/app.ts'],
  'nodes/PaymentDeadLetter/operations.ts': ['runtime/src/ingress/app.ts'],
  'runtime/src/admin/routes.ts': ['nodes/shared/items.ts'],
  'credentials/reads-node.ts': ['nodes/shared/items.ts'],
  'credentials/reads-runtime.ts': ['runtime/src/ingress/app.ts'],
  'nodes/PaymentWebhookTrigger/PaymentWebhookTrigger.node.ts': ['credentials/PaymentGatewayApi.credentials.ts'],
  'runtime/src/observer.ts': ['runtime/src/tracing/index.ts'],
  'runtime/src/tracing/index.ts': ['runtime/src/observer.ts'],
};

/** Writes each file with a type-only import per dependency: the rules count those as well. */
function writeTree(root: string, tree: Tree): void {
  for (const [file, imports] of Object.entries(tree)) {
    const path = join(root, file);
    mkdirSync(dirname(path), { recursive: true });
    const lines = imports.map((target, index) => {
      const specifier = relative(dirname(file), target.replace(/\.ts$/, ''));
      return `import type * as dependency${index} from '${specifier.startsWith('.') ? specifier : `./${specifier}`}';\nexport type Seen${index} = typeof dependency${index};`;
    });
    writeFileSync(path, `${lines.join('\n')}\nexport const name = '${file}';\n`);
  }
}

/**
 * Runs the rules the way `npm run lint` does and reads its report: one `rule: a -> b` line per
 * violation (a cycle lists each module on its way round).
 */
function cruise(tree: Tree): { status: number | null; violations: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'architecture-'));
  try {
    writeTree(root, tree);
    const run = spawnSync(process.execPath, [depcruise, '--config', rulesFile, 'core', 'nodes', 'credentials', 'runtime/src'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (run.error) throw run.error;
    const reports = run.stdout.split(/^\s*error /m).slice(1);
    const violations = reports.map((report) => {
      const [rule, path] = report.split(/:\s/, 2);
      const modules = path.split('\n\n')[0].split('→').map((module) => module.trim());
      return `${rule}: ${modules.join(' -> ')}`;
    });
    return { status: run.status, violations: violations.sort() };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('architecture rules', () => {
  it('pass the imports the layering allows', () => {
    expect(cruise(allowed)).toEqual({ status: 0, violations: [] });
  }, 60_000);

  it('report each deliberate violation under its rule and fail the lint', () => {
    const { status, violations: found } = cruise({ ...allowed, ...violations });
    expect(status).not.toBe(0);
    expect(found).toEqual(
      [
        'core-stands-alone: core/reads-node.ts -> nodes/shared/items.ts',
        'core-stands-alone: core/reads-credential.ts -> credentials/PaymentGatewayApi.credentials.ts',
        'core-stands-alone: core/reads-runtime.ts -> runtime/src/ingress/app.ts',
        'nodes-not-to-runtime: nodes/PaymentDeadLetter/operations.ts -> runtime/src/ingress/app.ts',
        'runtime-not-to-nodes: runtime/src/admin/routes.ts -> nodes/shared/items.ts',
        'credentials-not-to-nodes-or-runtime: credentials/reads-node.ts -> nodes/shared/items.ts',
        'credentials-not-to-nodes-or-runtime: credentials/reads-runtime.ts -> runtime/src/ingress/app.ts',
        'nodes-not-into-credentials: nodes/PaymentWebhookTrigger/PaymentWebhookTrigger.node.ts -> credentials/PaymentGatewayApi.credentials.ts',
        'no-cycles: runtime/src/observer.ts -> runtime/src/tracing/index.ts -> runtime/src/observer.ts',
      ].sort(),
    );
  }, 60_000);
});
