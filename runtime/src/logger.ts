import pino, { type Logger } from 'pino';

/** JSON logs on stdout; secrets never reach them (headers are not logged). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'payment-webhooks' } });
}
