/**
 * Reconciliation at scale: N payments against N open invoices, for N = 10,000, 100,000 and
 * 1,000,000 (`npm run bench -- reconcile`; `--sizes=10000,50000` picks others). The data is
 * generated from a fixed seed and exercises every rung of the ladder; the point is that the
 * time per payment stays flat as N grows (indexed look-ups, no payment x invoice comparison).
 */
import { cpus, loadavg } from 'node:os';
import { Reconciler, type OpenInvoice, type Outcome, type Payment, type Tier } from '../core/reconcile';

const DAY = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const INVOICES_PER_CUSTOMER = 5;

/** mulberry32: a small deterministic PRNG, so every run reconciles the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const invoiceNumber = (index: number): string => `INV-${String(index).padStart(8, '0')}`;

function generate(size: number): { invoices: OpenInvoice[]; payments: Payment[] } {
  const next = random(size);
  const pick = (n: number) => Math.floor(next() * n);
  const invoices: OpenInvoice[] = [];
  for (let index = 0; index < size; index += 1) {
    const currency = index % 10 === 0 ? 'EUR' : index % 25 === 1 ? 'JPY' : 'USD';
    invoices.push({
      id: `in_${index}`,
      number: invoiceNumber(index),
      customerId: `cus_${Math.floor(index / INVOICES_PER_CUSTOMER)}`,
      amountDue: { minor: 1_000 + pick(500_000), currency },
      amountPaid: { minor: 0, currency },
      dueDate: START + pick(90) * DAY,
    });
  }
  // Each payment targets a different invoice (a shuffled order), by the way real payments do.
  const order = Array.from({ length: size }, (_, index) => index);
  for (let i = size - 1; i > 0; i -= 1) {
    const j = pick(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const payments = order.map((target, index): Payment => {
    const invoice = invoices[target];
    const base = { id: `pay_${index}`, amount: invoice.amountDue, date: (invoice.dueDate ?? START) - pick(10) * DAY };
    const roll = next();
    if (roll < 0.4) return { ...base, invoiceId: invoice.id }; // gateway-linked (Stripe invoice.paid)
    if (roll < 0.6) return { ...base, reference: invoiceNumber(target).toLowerCase().replace('-', ' ') };
    if (roll < 0.7) return { ...base, reference: `Transfer for ${invoiceNumber(target)} thank you` };
    if (roll < 0.75) return { ...base, reference: invoiceNumber(target).replace('-0', '-0X'), customerId: invoice.customerId }; // a typo
    if (roll < 0.85) return { ...base, customerId: invoice.customerId };
    if (roll < 0.9) return { ...base, amount: { ...invoice.amountDue, minor: Math.floor(invoice.amountDue.minor / 2) }, reference: invoiceNumber(target) };
    if (roll < 0.95) return { ...base, id: `pay_${pick(index + 1)}`, invoiceId: invoice.id }; // a redelivered payment
    return { ...base, amount: { minor: 1 + pick(900), currency: 'USD' }, reference: `misc ${pick(1e9)}` };
  });
  return { invoices, payments };
}

export interface ReconcileBenchRun {
  size: number;
  indexMs: number;
  matchMs: number;
  /** CPU time of both phases: steadier than wall time on a shared machine. */
  cpuMs: number;
  heapMb: number;
  outcomes: Partial<Record<Outcome, number>>;
  tiers: Partial<Record<Tier, number>>;
}

function measure(size: number): ReconcileBenchRun {
  const { invoices, payments } = generate(size);
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpu = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const reconciler = new Reconciler(invoices, { toleranceMinor: 50, toleranceBps: 10 });
  const t1 = process.hrtime.bigint();
  const outcomes: ReconcileBenchRun['outcomes'] = {};
  const tiers: ReconcileBenchRun['tiers'] = {};
  for (const payment of payments) {
    const result = reconciler.reconcile(payment);
    outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
    if (result.tier) tiers[result.tier] = (tiers[result.tier] ?? 0) + 1;
  }
  const t2 = process.hrtime.bigint();
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  const heapMb = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e6);
  return { size, indexMs: Number(t1 - t0) / 1e6, matchMs: Number(t2 - t1) / 1e6, cpuMs, heapMb, outcomes, tiers };
}

/** Runs the sizes in order after a warm-up; also used by the benchmark harness. */
export function benchReconcileSizes(sizes: readonly number[]): ReconcileBenchRun[] {
  measure(2_000); // warm up the JIT so the first size is not penalised
  return sizes.map(measure);
}

function printTable(runs: ReconcileBenchRun[]): void {
  const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  console.log(`Node ${process.version}, ${process.platform}/${process.arch}`);
  console.log(`Load average at start: ${loadavg().map((n) => n.toFixed(1)).join(' ')} (${cpus().length} cores)`);
  console.log('| payments x invoices | index (ms) | match (ms) | total (ms) | CPU (ms) | µs per payment | heap (MB) |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const run of runs) {
    const total = run.indexMs + run.matchMs;
    console.log(`| ${fmt(run.size)} | ${fmt(run.indexMs)} | ${fmt(run.matchMs)} | ${fmt(total)} | ${fmt(run.cpuMs)} | ${(total * 1000 / run.size).toFixed(1)} | ${fmt(run.heapMb)} |`);
  }
  const [first] = runs;
  for (const run of runs.slice(1)) {
    const growth = (run.indexMs + run.matchMs) / (first.indexMs + first.matchMs);
    console.log(`\n${fmt(first.size)} -> ${fmt(run.size)}: ${(run.size / first.size).toFixed(0)}x the data took ${growth.toFixed(1)}x the time (${(run.cpuMs / first.cpuMs).toFixed(1)}x the CPU time)`);
  }
  const last = runs[runs.length - 1];
  console.log(`\nOutcomes at ${fmt(last.size)}: ${JSON.stringify(last.outcomes)}`);
  console.log(`Tiers at ${fmt(last.size)}: ${JSON.stringify(last.tiers)}`);
}

if (require.main === module) {
  const sizesArg = process.argv.find((arg) => arg.startsWith('--sizes='));
  const sizes = sizesArg ? sizesArg.slice('--sizes='.length).split(',').map(Number) : [10_000, 100_000, 1_000_000];
  printTable(benchReconcileSizes(sizes));
}
