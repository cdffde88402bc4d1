import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs to stdout, one line per event, with the service name on every line. Writes are
 * asynchronous (lines queue while a write is in flight and go out together) because the purchase path
 * logs an audit line per request; what is queued is flushed on exit. A process killed with SIGKILL can
 * lose the lines of its last write.
 */
export function createLogger(service: string, level: string, base: Record<string, unknown> = {}): Logger {
  const destination = pino.destination({ dest: 1, sync: false });
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // stdout already closed
    }
  });
  return pino(
    {
      level,
      base: { service, pid: process.pid, ...base },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['req.headers.authorization', '*.password', 'password'], censor: '***' },
    },
    destination,
  );
}
