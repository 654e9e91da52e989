/**
 * A gateway API stand-in on loopback for `confirm` tests: a real HTTP server (node:http) that
 * answers recorded responses by path and records what it was asked, so the tests exercise the
 * provider's real fetch, URL building and authorization header.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedResponse {
  status: number;
  body: Buffer | string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  authorization?: string;
}

export interface LoopbackApi {
  baseUrl: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startLoopbackApi(routes: Record<string, RecordedResponse>): Promise<LoopbackApi> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    received.push({ method: request.method ?? 'GET', path, authorization: request.headers.authorization });
    const route = routes[path];
    response.writeHead(route?.status ?? 404, { 'content-type': 'application/json' });
    response.end(route?.body ?? JSON.stringify({ error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
