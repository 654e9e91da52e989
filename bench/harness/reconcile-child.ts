/**
 * Runs bench/reconcile.ts's sizes in a fresh process (large heap, `--expose-gc` for its
 * heap figures): `reconcile-child.ts SIZES OUT_FILE` writes its runs as JSON.
 */
import { writeFileSync } from 'node:fs';
import { benchReconcileSizes } from '../reconcile';

const [sizes, outFile] = process.argv.slice(2);
writeFileSync(outFile, JSON.stringify(benchReconcileSizes(sizes.split(',').map(Number))));
