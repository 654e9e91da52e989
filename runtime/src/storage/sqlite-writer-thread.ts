import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { GroupCommit, type CommitBatch } from './sqlite-group-commit';
import type { WriterRequest, WriterAnswer, WriterSettings } from './sqlite-writer';

/**
 * The writer thread's side (runtime/src/storage/sqlite-writer.ts): its own connection to the
 * file, on which it runs each group commit it is sent and answers with the result or the
 * error. Its first message, 'ready', says the connection is open.
 */
const settings = workerData as WriterSettings;
const db = new BetterSqlite3(settings.path);
// Per connection: every commit of this one waits for its fsync.
db.pragma('synchronous = FULL');
db.pragma(`busy_timeout = ${settings.busyTimeoutMs}`);
const groupCommit = new GroupCommit(db);

function run(batch: CommitBatch): WriterAnswer {
  try {
    return { result: groupCommit.commit(batch) };
  } catch (error) {
    return { error: error as Error };
  }
}

parentPort!.on('message', (request: WriterRequest) => {
  if (request === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  parentPort!.postMessage(run(request));
});

parentPort!.postMessage('ready');
