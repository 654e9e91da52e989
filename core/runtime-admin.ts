import { RedirectRefusedError, fetchWithoutRedirects } from './credentialed-fetch';

/**
 * The connector runtime's admin API (`/admin/*`, bearer token), as the nodes reach it: the
 * Dead Letter node's runtime store and the Payment Insights node's figures.
 */
export interface AdminApiOptions {
  /** The runtime's base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class AdminApiError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

export interface Answer {
  status: number;
  body: unknown;
}

/** Requests to one resource under the runtime's `/admin` (dead letters, insights), with the bearer token. */
export class AdminApiClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;

  /** `resource`: the path under the base URL, e.g. `/admin/insights`. */
  constructor(
    private readonly options: AdminApiOptions,
    resource: string,
  ) {
    this.base = options.baseUrl.replace(/\/+$/, '') + resource;
    this.fetch = options.fetch ?? fetch;
  }

  /** Sends one request; 2xx and the statuses in `accept` are answers, anything else throws. */
  async request(method: string, path: string, input: { query?: URLSearchParams; body?: unknown; accept?: number[] } = {}): Promise<Answer> {
    const url = this.base + path + (input.query && input.query.size > 0 ? `?${input.query}` : '');
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}`, accept: 'application/json' };
    if (input.body !== undefined) headers['content-type'] = 'application/json';
    // The bearer token goes with every request: a redirect is refused, not followed.
    const response = await fetchWithoutRedirects(
      url,
      {
        method,
        headers,
        body: input.body === undefined ? undefined : JSON.stringify(input.body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      },
      this.fetch,
    ).catch((error: Error) => {
      throw error instanceof RedirectRefusedError ? new AdminApiError(`The runtime's admin API ${error.message}`, error.status) : error;
    });
    const text = await response.text();
    const body: unknown = text ? JSON.parse(text) : undefined;
    if (response.ok || input.accept?.includes(response.status)) return { status: response.status, body };
    const reason = typeof body === 'object' && body !== null && 'error' in body ? String(body.error) : response.statusText;
    const hint = response.status === 401 ? ' (check the admin token)' : '';
    throw new AdminApiError(`The runtime's admin API answered HTTP ${response.status}: ${reason}${hint}`, response.status);
  }
}

