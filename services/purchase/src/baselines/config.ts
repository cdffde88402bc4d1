import { ConfigError, int, loadConfig, redactUrl, urlList, z } from '@tillstream/config';

/** The two baseline designs the purchase service can run as (baselines/main.ts). */
export const BASELINE_MODES = ['sync-db', 'rabbitmq'] as const;
export type BaselineMode = (typeof BASELINE_MODES)[number];

/**
 * The baselines' own options, beside the service's (../config.ts, whose Kafka settings they ignore).
 * One environment variable each; parsed once at start.
 */
const shape = {
  /** sync-db: write each purchase to one Postgres in the request; rabbitmq: publish it to a durable queue. */
  MODE: z.enum(BASELINE_MODES),
  /** sync-db: the database; when unset, the first of SHARD_URLS. */
  DB_URL: urlList(['postgres:', 'postgresql:']),
  SHARD_URLS: urlList(['postgres:', 'postgresql:']),
  /** sync-db: connections per worker, i.e. purchases written at once by one worker. */
  DB_POOL_MAX: int(16, 1, 1_000),
  /** sync-db: TCP connect timeout to the database. */
  DB_CONNECTION_TIMEOUT_MS: int(1_000, 100, 60_000),
  /** rabbitmq: the broker. */
  RABBITMQ_URL: urlList(['amqp:', 'amqps:'], ['amqp://guest:guest@127.0.0.1:5672']),
  /** rabbitmq: the durable queue purchases are published to. */
  RABBITMQ_QUEUE: z.string().default('purchases'),
  /** rabbitmq: confirm channels per worker, i.e. publishes awaiting a confirm at once. */
  RABBITMQ_CHANNELS: int(16, 1, 1_000),
  /** Pause between attempts to (re)connect while the database or the broker is unreachable. */
  BASELINE_RECONNECT_BACKOFF_MS: int(500, 10, 60_000),
};

export interface BaselineConfig {
  readonly mode: BaselineMode;
  /** sync-db: the one database written to. Secret (non-enumerable): it may hold a password. */
  readonly dbUrl: string;
  readonly dbPoolMax: number;
  readonly connectionTimeoutMs: number;
  /** rabbitmq: the broker URL. Secret (non-enumerable). */
  readonly rabbitmqUrl: string;
  readonly rabbitmqQueue: string;
  readonly rabbitmqChannels: number;
  readonly reconnectBackoffMs: number;
  /** What may be logged of the two URLs. */
  readonly redacted: { readonly dbUrl: string; readonly rabbitmqUrl: string };
}

/** Parses and freezes the baseline's options; throws `ConfigError` naming every bad variable. */
export function loadBaselineConfig(env: Record<string, string | undefined>): Readonly<BaselineConfig> {
  return loadConfig(
    shape,
    env,
    (e): BaselineConfig => {
      const dbUrl = e.DB_URL[0] ?? e.SHARD_URLS[0] ?? '';
      if (e.MODE === 'sync-db' && dbUrl === '') {
        throw new ConfigError(['DB_URL: MODE=sync-db needs DB_URL or SHARD_URLS']);
      }
      const rabbitmqUrl = e.RABBITMQ_URL[0] ?? '';
      return {
        mode: e.MODE,
        dbUrl,
        dbPoolMax: e.DB_POOL_MAX,
        connectionTimeoutMs: e.DB_CONNECTION_TIMEOUT_MS,
        rabbitmqUrl,
        rabbitmqQueue: e.RABBITMQ_QUEUE,
        rabbitmqChannels: e.RABBITMQ_CHANNELS,
        reconnectBackoffMs: e.BASELINE_RECONNECT_BACKOFF_MS,
        redacted: { dbUrl: dbUrl && redactUrl(dbUrl), rabbitmqUrl: rabbitmqUrl && redactUrl(rabbitmqUrl) },
      };
    },
    { secrets: ['dbUrl', 'rabbitmqUrl'] },
  );
}
