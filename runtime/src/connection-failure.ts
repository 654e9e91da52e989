/**
 * Why a connection failed, in a word: the first error code (ECONNREFUSED, ENOTFOUND, …) found
 * through `cause` (fetch itself only says "fetch failed"), else the innermost message. Read
 * by shape, not `instanceof Error`: fetch's errors may come from another realm.
 */
export function connectionFailure(error: unknown): string {
  let reason = String(error);
  for (let current = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined; current && typeof current === 'object'; current = current.cause as typeof current) {
    if (typeof current.code === 'string') return current.code;
    if (typeof current.message === 'string') reason = current.message;
  }
  return reason;
}
