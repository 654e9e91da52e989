// Scores events of distinct customers against one in-memory window store, with a 5 s
// window, and prints the heap after a garbage collection at each 100,000 events (MB,
// space-separated). Run with --expose-gc. Argument: how many events.
const { readFileSync } = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: filename,
  });
  module._compile(outputText, filename);
};

const { MemoryRiskWindowStore, riskConfig, scoreEvent } = require('../../../core/risk/index.ts');
const { paymentEvent } = require('./events.ts');

async function main() {
  const store = new MemoryRiskWindowStore();
  const config = riskConfig({ rules: { windowMs: 5_000 } });
  const heaps = [];
  const start = Date.parse('2026-03-01T12:00:00Z');
  for (let i = 0; i < Number(process.argv[2]); i++) {
    const event = paymentEvent({ id: `evt_${i}`, customer: { id: `cus_${i}`, email: 'buyer@example.com' } });
    await scoreEvent(event, { store, config, now: start + i });
    if (i % 100_000 === 99_999) {
      global.gc();
      heaps.push(Math.round(process.memoryUsage().heapUsed / 1e6));
    }
  }
  process.stdout.write(`${heaps.join(' ')}\n`);
}

void main();
