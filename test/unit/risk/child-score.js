// A second OS process scoring events against the same Redis: loads the TypeScript sources
// through the compiler's transpiler (no build step), scores `count` attempts from one IP,
// and prints how many it scored. Arguments: redisUrl prefix ip count startMs.
const { readFileSync } = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: filename,
  });
  module._compile(outputText, filename);
};

const { default: Redis } = require('ioredis');
const { RedisRiskWindowStore, scoreEvent, DEFAULT_RISK_CONFIG } = require('../../../core/risk/index.ts');
const { paymentEvent } = require('./events.ts');

async function main() {
  const [url, prefix, ip, count, startMs] = process.argv.slice(2);
  const redis = new Redis(url);
  const store = new RedisRiskWindowStore({ client: redis, keyPrefix: prefix });
  for (let i = 0; i < Number(count); i++) {
    const event = paymentEvent({ id: `child_${i}`, risk: { ip } });
    await scoreEvent(event, { store, config: DEFAULT_RISK_CONFIG, now: Number(startMs) + i });
  }
  await redis.quit();
  process.stdout.write(`scored ${count}\n`);
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
