/**
 * Open-loop load at a steady rate, for latency. autocannon's rate limit sends each
 * second's quota as one burst at full speed and then waits for the next second, so
 * its latency at "25% of the rate" is really latency inside a saturating burst. Here
 * request i is due at start + i / rate; it goes out on the first idle keep-alive
 * connection, and its latency runs from when it was due, so time spent waiting for a
 * connection or for the generator's own timer counts against the server (as wrk2 does:
 * no coordinated omission).
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface PacedRequest {
  id: string;
  headers: Record<string, string>;
  body: string;
}

export interface PacedOptions {
  url: string;
  method: 'POST';
  rate: number;
  durationS: number;
  connections: number;
  /** The next request to send (called once per request, in order). */
  next: () => PacedRequest;
  onAnswer: (status: number, id: string) => void;
  /** How long answers are awaited after the last request is due. */
  drainTimeoutS: number;
}

export interface PacedResult {
  seconds: number;
  sent: number;
  answered: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Milliseconds from when each answered request was due to its complete answer. */
  latenciesMs: Float64Array;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;
const CHUNKED = /\r\ntransfer-encoding:\s*chunked/i;

/** Where a chunked body that starts at `start` ends (after its last chunk and trailer), or undefined while incomplete. */
function chunkedEnd(buffer: Buffer, start: number): number | undefined {
  let at = start;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
    if (size === 0) {
      const trailerEnd = buffer.indexOf(HEADER_END, lineEnd);
      return trailerEnd < 0 ? undefined : trailerEnd + HEADER_END.length;
    }
    at = lineEnd + 2 + size + 2;
    if (at > buffer.length) return undefined;
  }
}

/** One keep-alive connection with at most one request in flight (no pipelining). */
class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private inFlight?: { id: string; dueAt: number };
  private readonly socket: Socket;
  broken = false;

  constructor(
    host: string,
    port: number,
    private readonly onDone: (connection: Connection, answer: { id: string; dueAt: number; status: number } | Error) => void,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk) => this.read(chunk));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
  }

  get idle(): boolean {
    return !this.broken && this.inFlight === undefined;
  }

  send(bytes: Buffer, id: string, dueAt: number): void {
    this.inFlight = { id, dueAt };
    this.socket.write(bytes);
  }

  close(): void {
    this.broken = true;
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headerEnd = this.buffered.indexOf(HEADER_END);
    if (headerEnd < 0 || !this.inFlight) return;
    const head = this.buffered.toString('latin1', 0, headerEnd);
    const bodyStart = headerEnd + HEADER_END.length;
    const end = CHUNKED.test(head) ? chunkedEnd(this.buffered, bodyStart) : bodyStart + Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0);
    if (end === undefined || this.buffered.length < end) return;
    this.buffered = this.buffered.subarray(end);
    const request = this.inFlight;
    this.inFlight = undefined;
    this.onDone(this, { ...request, status: Number(head.slice(9, 12)) });
  }

  private fail(error: Error): void {
    if (this.broken) return;
    this.broken = true;
    const request = this.inFlight;
    this.inFlight = undefined;
    if (request) this.onDone(this, error);
  }
}

function requestBytes(url: URL, method: string, request: PacedRequest): Buffer {
  const body = Buffer.from(request.body);
  const headers = Object.entries(request.headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n${headers}content-length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

export function runPaced(options: PacedOptions): Promise<PacedResult> {
  const url = new URL(options.url);
  const total = Math.round(options.rate * options.durationS);
  const intervalMs = 1000 / options.rate;
  const latencies = new Float64Array(total);
  const waiting: Array<{ bytes: Buffer; id: string; dueAt: number }> = [];
  const result = { sent: 0, answered: 0, ok: 0, non2xx: 0, errors: 0 };
  const start = performance.now() + 50;

  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(drainTimer);
      for (const connection of connections) connection.close();
      resolve({
        seconds: options.durationS,
        ...result,
        timeouts: total - result.answered - result.errors,
        latenciesMs: latencies.subarray(0, result.answered),
      });
    };
    let drainTimer: NodeJS.Timeout | undefined;

    const dispatch = (connection: Connection) => {
      const request = waiting.shift();
      if (request) connection.send(request.bytes, request.id, request.dueAt);
    };
    const onDone = (connection: Connection, answer: { id: string; dueAt: number; status: number } | Error) => {
      if (answer instanceof Error) {
        result.errors += 1;
      } else {
        latencies[result.answered++] = performance.now() - answer.dueAt;
        if (answer.status >= 200 && answer.status < 300) result.ok += 1;
        else result.non2xx += 1;
        options.onAnswer(answer.status, answer.id);
      }
      if (result.answered + result.errors === total) finish();
      else if (connection.idle) dispatch(connection);
    };
    const connections = Array.from({ length: options.connections }, () => new Connection(url.hostname, Number(url.port), onDone));

    const tick = () => {
      const now = performance.now();
      while (result.sent < total && start + result.sent * intervalMs <= now) {
        const request = options.next();
        waiting.push({ bytes: requestBytes(url, options.method, request), id: request.id, dueAt: start + result.sent * intervalMs });
        result.sent += 1;
      }
      for (const connection of connections) {
        if (waiting.length === 0) break;
        if (connection.idle) dispatch(connection);
      }
      if (result.sent < total) setTimeout(tick, Math.max(0, start + result.sent * intervalMs - performance.now()));
      else drainTimer = setTimeout(finish, options.drainTimeoutS * 1000);
    };
    setTimeout(tick, 50);
  });
}

/** The value below which `share` of the sorted samples fall (nearest rank). */
export function percentile(sorted: Float64Array, share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))];
}
