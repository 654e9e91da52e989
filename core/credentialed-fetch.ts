/**
 * fetch for a request that carries a credential (an API key, a bearer token, Basic auth):
 * a redirect is refused, never followed. fetch follows redirects by default and keeps custom
 * headers such as `x-n8n-api-key` when the target is another origin, so one 302 would hand
 * the credential to whichever host the answer names.
 */

/** A redirect answered to a credentialed request; the message names the target's origin, not its full URL. */
export class RedirectRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly targetOrigin: string,
  ) {
    super(`answered HTTP ${status}, a redirect to ${targetOrigin}; refused, so the credential is not sent there`);
    this.name = 'RedirectRefusedError';
  }
}

/** The origin a Location header points at (relative to the request), or a placeholder when it has none. */
function originOf(location: string | null, requested: string | URL): string {
  if (location === null) return 'an unnamed location';
  try {
    return new URL(location, requested).origin;
  } catch {
    return 'an unreadable location';
  }
}

/** Throws RedirectRefusedError on a 3xx with a Location (or an opaque redirect, as browsers give). */
export async function fetchWithoutRedirects(url: string | URL, init: RequestInit, fetchImpl: typeof fetch = fetch): Promise<Response> {
  const response = await fetchImpl(url, { ...init, redirect: 'manual' });
  const location = response.headers.get('location');
  const redirected = response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400 && location !== null);
  if (!redirected) return response;
  // The body is not read: cancel it so the connection is released.
  await response.body?.cancel().catch(() => undefined);
  throw new RedirectRefusedError(response.status, originOf(location, url));
}
