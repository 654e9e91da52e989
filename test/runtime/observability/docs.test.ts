import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RuntimeMetrics } from '../../../runtime/src/metrics/metrics';
import { openStorage } from '../../../runtime/src/storage/open';
import { observedConfig } from './support';

/** docs/operations.md and the Grafana dashboard name exactly the metrics the runtime exports. */
const DOCS = resolve(__dirname, '..', '..', '..', 'docs');
const operations = readFileSync(resolve(DOCS, 'operations.md'), 'utf8');
const dashboard = readFileSync(resolve(DOCS, 'grafana-dashboard.json'), 'utf8');

const named = (text: string) =>
  new Set([...text.matchAll(/payment_webhooks_[a-z_]+/g)].map(([name]) => name.replace(/_(bucket|count|sum)$/, '')));

it('documents every exported metric and names no metric that does not exist', async () => {
  const storage = await openStorage('sqlite::memory:');
  try {
    const metrics = new RuntimeMetrics({ config: observedConfig({ storage: 'sqlite::memory:', destinationUrl: 'http://127.0.0.1:1/' }), storage, processMetrics: false });
    const exported = new Set(metrics.registry.getMetricsAsArray().map((metric) => metric.name));
    expect(exported.size).toBeGreaterThan(10);
    const table = new Set([...operations.matchAll(/^\| `(payment_webhooks_[a-z_]+)` \|/gm)].map(([, name]) => name));
    expect([...table].sort()).toEqual([...exported].sort());
    for (const name of named(operations)) expect({ name, exported: exported.has(name) }).toEqual({ name, exported: true });
    const onDashboard = named(dashboard);
    for (const name of onDashboard) expect({ name, exported: exported.has(name) }).toEqual({ name, exported: true });
    expect(onDashboard.size).toBe(exported.size);
  } finally {
    await storage.close();
  }
});

it('ships a dashboard Grafana can import', () => {
  const parsed = JSON.parse(dashboard) as { panels: Array<{ type: string; targets?: Array<{ expr: string }> }>; uid: string };
  expect(parsed.uid).toBe('payment-webhooks');
  const queries = parsed.panels.flatMap((panel) => panel.targets ?? []).map((target) => target.expr);
  expect(queries.length).toBeGreaterThan(10);
  for (const query of queries) expect(query).toMatch(/\{job=~"\$job"\}/);
});
