import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request's id: the client's `X-Request-Id` when sane, else a new UUID. */
    id: string;
  }
}

const SANE_ID = /^[\w.:-]{1,128}$/;

/** Gives every request an id, echoed in `X-Request-Id` and put on every log line about it. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.get('x-request-id');
  req.id = incoming && SANE_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', req.id);
  next();
};
