import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout, one line per event, with the service name on every line. */
export function createLogger(service: string, level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service, pid: process.pid, ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', '*.password', 'password'], censor: '***' },
  });
}
