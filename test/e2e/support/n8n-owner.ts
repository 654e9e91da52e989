import { randomBytes } from 'node:crypto';

/**
 * Sets up the owner account of a fresh n8n through its REST API and creates a public API
 * key. The dead-letters template needs one: its Add step fetches the failed execution
 * through n8n's public API, as a user's instance would.
 */
export interface OwnerSession {
  email: string;
  password: string;
  apiKey: string;
  /** Calls n8n's internal REST API as the owner. */
  rest(method: string, path: string, body?: unknown): Promise<Response>;
}

export async function setUpOwner(baseUrl: string): Promise<OwnerSession> {
  const browserId = randomBytes(8).toString('hex');
  const headers: Record<string, string> = { 'content-type': 'application/json', 'browser-id': browserId };
  const email = 'owner@example.com';
  const password = `Pw-${randomBytes(12).toString('hex')}`;
  const setup = await rest(baseUrl, 'POST', '/rest/owner/setup', headers, { email, firstName: 'E2E', lastName: 'Owner', password });
  const cookie = setup.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error('n8n owner setup returned no session cookie');
  headers.cookie = cookie;
  const scopes = (await (await rest(baseUrl, 'GET', '/rest/api-keys/scopes', headers)).json()) as { data: string[] };
  const created = await rest(baseUrl, 'POST', '/rest/api-keys', headers, { label: 'e2e dead letters', scopes: scopes.data, expiresAt: null });
  const body = (await created.json()) as { data: { rawApiKey?: string; apiKey?: string } };
  const key = body.data.rawApiKey ?? body.data.apiKey;
  if (!key) throw new Error(`n8n created no API key: ${JSON.stringify(body)}`);
  return { email, password, apiKey: key, rest: (method, path, payload) => rest(baseUrl, method, path, headers, payload) };
}

async function rest(baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Error(`n8n ${method} ${path} answered ${response.status}: ${await response.text()}`);
  return response;
}
