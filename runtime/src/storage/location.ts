/** A storage location as it may be shown in logs and errors: a Redis URL loses its user and password. */
export function storageLabel(location: string): string {
  if (location.startsWith('sqlite:')) return location;
  const url = new URL(location);
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** The configured storage cannot be opened (not there, not answering, not writable); the message names it without credentials, the cause and what to check. */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
}

/** The storage opened, but the runtime will not run over what it holds or what it is; the message says what to do. */
export class StorageRefusal extends Error {
  override readonly name = 'StorageRefusal';
}
