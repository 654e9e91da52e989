#!/usr/bin/env node
'use strict';
try {
  require.resolve('../dist/runtime/src/main.js');
} catch {
  process.stderr.write('payment-webhooks is not built yet: run `npm run build -w runtime` (npm start builds it).\n');
  process.exit(1);
}
require('../dist/runtime/src/main.js');
