import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../support/redis-server';

const run = promisify(execFile);

/**
 * A PostgreSQL of the test's own, started from the machine's PostgreSQL binaries into a
 * temporary folder (data and unix socket), on a free loopback port with trust authentication,
 * as the tests do with redis-server: nothing touches a PostgreSQL someone else runs.
 */
export interface TestPostgres {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** Rows of a query as arrays of text columns (psql's unaligned, tab-separated output). */
  query(sql: string): Promise<string[][]>;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'No PostgreSQL server binaries were found (initdb, postgres). The queue-mode test starts its own PostgreSQL: ' +
  'install them (Debian/Ubuntu: `apt-get install postgresql`) or set POSTGRES_BIN_DIR to the folder that holds them.';

const USER = 'postgres';
const DATABASE = 'n8n';
const START_TIMEOUT_MS = 60_000;

/** POSTGRES_BIN_DIR, else the newest /usr/lib/postgresql/<major>/bin (Debian's layout). */
function binDir(): string {
  const configured = process.env.POSTGRES_BIN_DIR;
  if (configured) return configured;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  const found = majors.map((major) => join(root, major, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
  if (!found) throw new Error(INSTALL_HINT);
  return found;
}

/** initdb and postgres refuse to run as root: under root they run as the `postgres` system account. */
function serverAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startPostgresServer(): Promise<TestPostgres> {
  const bin = binDir();
  const account = serverAccount();
  const dir = mkdtempSync(join(tmpdir(), 'pw-postgres-'));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  mkdirSync(socketDir);
  if (account) {
    chownSync(dir, account.uid, account.gid);
    chownSync(socketDir, account.uid, account.gid);
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';

  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      // SIGINT is PostgreSQL's fast shutdown: it ends the sessions n8n may still hold.
      child.kill('SIGINT');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await run(join(bin, 'initdb'), ['-D', dataDir, '-U', USER, '--auth=trust', '--encoding=UTF8', '--no-instructions'], {
      ...account,
      timeout: START_TIMEOUT_MS,
    });
    child = spawn(
      join(bin, 'postgres'),
      [
        '-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', socketDir,
        // A throwaway database: durability costs disk flushes the shared test machine cannot spare.
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
      ],
      { ...account, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const psql = (database: string, sql: string) =>
      run(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', USER, '-d', database, '-X', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
        timeout: START_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
      });
    await waitUntilReady(() => psql('postgres', 'SELECT 1'), child);
    await psql('postgres', `CREATE DATABASE ${DATABASE}`);
    return {
      host: '127.0.0.1',
      port,
      user: USER,
      database: DATABASE,
      query: async (sql) => {
        const { stdout } = await psql(DATABASE, sql);
        return stdout
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => line.split('\t'));
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${output.slice(-4000)}`);
  }
}

async function waitUntilReady(probe: () => Promise<unknown>, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode}`);
    try {
      await probe();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** The environment that points an n8n process at this database. */
export function n8nDatabaseEnvironment(postgres: TestPostgres): Record<string, string> {
  return {
    DB_TYPE: 'postgresdb',
    DB_POSTGRESDB_HOST: postgres.host,
    DB_POSTGRESDB_PORT: String(postgres.port),
    DB_POSTGRESDB_DATABASE: postgres.database,
    DB_POSTGRESDB_USER: postgres.user,
    DB_POSTGRESDB_PASSWORD: '',
  };
}
