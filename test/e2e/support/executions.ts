import Database from 'better-sqlite3';
import { join } from 'node:path';

/** One row of n8n's execution table. */
export interface ExecutionRow {
  id: string;
  workflowId: string;
  status: string;
  mode: string;
  waitTill: string | null;
}

/** The parts of n8n's stored run data the tests look at. */
export interface RunData {
  resultData: {
    error?: { message?: string };
    lastNodeExecuted?: string;
    runData: Record<string, Array<{ data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> } }>>;
  };
}

/**
 * Reads executions straight from the n8n instance's SQLite file (no owner account or API
 * key needed). Run data is stored with `flatted`, which we load from that n8n's own install.
 */
export class ExecutionLog {
  private db: Database.Database | undefined;

  constructor(
    private readonly file: string,
    private readonly n8nModules: string,
    /** n8n's output so far: its tail goes into the error of a wait that times out. */
    private readonly n8nOutput: () => string,
  ) {}

  list(workflowId: string): ExecutionRow[] {
    return this.open()
      .prepare(
        'SELECT CAST(id AS TEXT) AS id, workflowId, status, mode, waitTill FROM execution_entity ' +
          'WHERE workflowId = ? ORDER BY execution_entity.id',
      )
      .all(workflowId) as ExecutionRow[];
  }

  data(executionId: string): RunData {
    const row = this.open().prepare('SELECT data FROM execution_data WHERE executionId = ?').get(executionId) as
      | { data: string }
      | undefined;
    if (!row) throw new Error(`execution ${executionId} has no stored data`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const flatted = require(join(this.n8nModules, 'flatted')) as { parse(text: string): unknown };
    return flatted.parse(row.data) as RunData;
  }

  /** Names of the nodes that ran in an execution. */
  nodesRun(executionId: string): string[] {
    return Object.keys(this.data(executionId).resultData.runData);
  }

  /** The items a node put on each of its outputs (first run). */
  outputOf(executionId: string, node: string): Array<Array<Record<string, unknown>>> {
    const runs = this.data(executionId).resultData.runData[node];
    if (!runs) throw new Error(`node "${node}" did not run in execution ${executionId}`);
    return (runs[0].data?.main ?? []).map((items) => (items ?? []).map((item) => item.json));
  }

  /** Waits until the workflow has `count` executions that are no longer running, and returns them. */
  async waitForFinished(workflowId: string, count: number, timeoutMs = 60_000): Promise<ExecutionRow[]> {
    const deadline = Date.now() + timeoutMs;
    let rows: ExecutionRow[] = [];
    while (Date.now() < deadline) {
      rows = this.list(workflowId).filter((row) => !['new', 'running'].includes(row.status));
      if (rows.length >= count) return rows;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const seen = JSON.stringify(this.list(workflowId));
    // Read again on a new connection, with every workflow's count: tells a reader that stopped
    // seeing n8n's writes, or an execution filed elsewhere, from an execution that never began.
    this.close();
    const counts = this.open().prepare('SELECT workflowId, count(*) AS executions FROM execution_entity GROUP BY workflowId').all();
    throw new Error(
      `workflow ${workflowId}: expected ${count} finished executions, found ${rows.length} (${seen}); ` +
        `on a new connection: ${JSON.stringify(this.list(workflowId))}, by workflow: ${JSON.stringify(counts)}\n` +
        `--- n8n's output, its end ---\n${this.n8nOutput().slice(-4000)}`,
    );
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  private open(): Database.Database {
    this.db ??= new Database(this.file, { readonly: true, fileMustExist: true });
    return this.db;
  }
}
