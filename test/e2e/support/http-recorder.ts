import { createServer, type IncomingMessage, type Server } from 'node:http';

/** A request the recorder received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The body parsed as JSON, or as a form, when it is one. */
  json: unknown;
}

export interface Responder {
  /** A promise lets a stand-in answer slowly, as a real system under load does. */
  (request: RecordedRequest): { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;
}

export interface HttpRecorder {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Replaces how the server answers (default: 200 with `{ ok: true }`). */
  respond(responder: Responder): void;
  matching(method: string, pathPattern: RegExp): RecordedRequest[];
  waitFor(method: string, pathPattern: RegExp, count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

const OK: Responder = () => ({ status: 200, body: { ok: true } });

/**
 * A loopback HTTP server standing in for a system a workflow calls (a CRM, an accounting
 * system, a gateway's API): it records every request and answers as the test tells it.
 */
export async function startHttpRecorder(): Promise<HttpRecorder> {
  const requests: RecordedRequest[] = [];
  let responder: Responder = OK;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        json: parseBody(body, req.headers['content-type']),
      };
      requests.push(recorded);
      const answer = await responder(recorded);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const matching = (method: string, pathPattern: RegExp) =>
    requests.filter((request) => request.method === method && pathPattern.test(request.path));
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (next) => {
      responder = next;
    },
    matching,
    waitFor: async (method, pathPattern, count, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (matching(method, pathPattern).length < count) {
        if (Date.now() > deadline) {
          throw new Error(
            `expected ${count} ${method} ${pathPattern} requests; received: ` +
              JSON.stringify(requests.map((request) => `${request.method} ${request.path}`)),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return matching(method, pathPattern);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseBody(body: string, contentType: string | undefined): unknown {
  if (!body) return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body));
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
