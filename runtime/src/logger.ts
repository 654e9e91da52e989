import pino, { type Logger } from 'pino';

/**
 * JSON logs on stdout; secrets never reach them (headers are not logged). Written
 * asynchronously: under load the lines of one event-loop turn go out in one write instead
 * of one blocking write each, and pino flushes what is pending when the process exits.
 */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'payment-webhooks' } }, pino.destination({ dest: 1, sync: false }));
}
