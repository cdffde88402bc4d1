import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '@tillstream/observability';
import { ServiceError } from './service-error.js';

/** Answers 405 with an `Allow` header; mount after the real methods of a route. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  const allow = allowed.join(', ');
  return (req, res) => {
    res.setHeader('Allow', allow);
    res
      .status(405)
      .json({ message: `${req.method} is not allowed here; use ${allow}`, code: 'METHOD_NOT_ALLOWED' });
  };
}

/** Answers 404 for any path no route matched. */
export const notFound: RequestHandler = (req, res) => {
  res.status(404).json({ message: `no route for ${req.method} ${req.path}`, code: 'NOT_FOUND' });
};

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/**
 * Maps every error to JSON `{message, code}`. Errors from express' body parser (malformed JSON, too
 * large, bad charset) are the client's fault and get 4xx; anything unknown is a bug and gets 500.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof ServiceError) {
      for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
      if (error.status >= 500) log.warn({ err: error, code: error.code, path: req.path }, error.message);
      res.status(error.status).json({ message: error.message, code: error.code });
      return;
    }
    const parserError = error as BodyParserError;
    switch (parserError.type) {
      case 'entity.parse.failed':
        res.status(400).json({ message: 'body is not valid JSON', code: 'MALFORMED_JSON' });
        return;
      case 'entity.too.large':
        res.status(413).json({ message: 'body is larger than the limit', code: 'PAYLOAD_TOO_LARGE' });
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        res
          .status(415)
          .json({ message: 'unsupported body encoding or charset', code: 'UNSUPPORTED_MEDIA_TYPE' });
        return;
      default:
        break;
    }
    if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      res.status(parserError.status).json({ message: 'the request could not be read', code: 'BAD_REQUEST' });
      return;
    }
    log.error({ err: error, path: req.path }, 'unhandled error');
    res.status(500).json({ message: 'internal error', code: 'INTERNAL' });
  };
}
