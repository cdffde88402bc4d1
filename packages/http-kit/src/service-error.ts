/** One row of a service's error table: a stable code's HTTP status and whether retrying can help. */
export interface ErrorSpec {
  readonly status: number;
  readonly retriable: boolean;
  readonly description: string;
}

/**
 * An error with a stable code from a closed table (fastify's FST_ERR_* style). `message` is for
 * humans and may carry details; `code` is for programs and never changes meaning.
 */
export class ServiceError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    readonly status: number,
    readonly retriable: boolean,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServiceError';
  }
}

/**
 * Turns an error table into a typed factory: `errors.create('INVALID_PATH', 'storeID must be …')`.
 */
export function defineErrors<Table extends Record<string, ErrorSpec>>(table: Table) {
  return Object.freeze({
    table,
    create(
      code: keyof Table & string,
      message: string,
      headers?: Record<string, string>,
      options?: { cause?: unknown },
    ): ServiceError<keyof Table & string> {
      const spec = table[code]!;
      return new ServiceError(code, spec.status, spec.retriable, message, headers, options);
    },
  });
}

/** Errors every HTTP service answers the same way. */
export const COMMON_HTTP_ERRORS = {
  NOT_FOUND: { status: 404, retriable: false, description: 'No route matches the path.' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    retriable: false,
    description: 'The path exists but not for this method.',
  },
  MALFORMED_JSON: { status: 400, retriable: false, description: 'The body is not valid JSON.' },
  PAYLOAD_TOO_LARGE: { status: 413, retriable: false, description: 'The body is over the size limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retriable: false, description: 'The body is not application/json.' },
  BAD_REQUEST: { status: 400, retriable: false, description: 'The request could not be read.' },
  INTERNAL: { status: 500, retriable: true, description: 'A bug: the service failed unexpectedly.' },
} as const satisfies Record<string, ErrorSpec>;
