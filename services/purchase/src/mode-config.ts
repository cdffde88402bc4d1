import { ConfigError, int, redactUrl, urlList, z } from '@tillstream/config';

/** The design (kafka-sharded) and the two baselines it is compared with (make compare). */
export const MODES = ['kafka-sharded', 'sync-db', 'rabbitmq'] as const;
export type Mode = (typeof MODES)[number];

/** The options of the baseline modes; unused in kafka-sharded mode. */
export const BASELINE_SHAPE = {
  /** kafka-sharded: publish to Kafka; sync-db: write to one Postgres in the request; rabbitmq: publish to a queue. */
  MODE: z.enum(MODES).default('kafka-sharded'),
  /** sync-db: the database; when unset, the first of SHARD_URLS. */
  DB_URL: urlList(['postgres:', 'postgresql:']),
  SHARD_URLS: urlList(['postgres:', 'postgresql:']),
  /** sync-db: connections per worker, i.e. purchases written at once by one worker. */
  DB_POOL_MAX: int(16, 1, 1_000),
  /** rabbitmq: the broker. */
  RABBITMQ_URL: urlList(['amqp:', 'amqps:'], ['amqp://guest:guest@127.0.0.1:5672']),
  /** rabbitmq: the durable queue purchases are published to. */
  RABBITMQ_QUEUE: z.string().default('purchases'),
  /** rabbitmq: confirm channels per worker, i.e. publishes awaiting a confirm at once. */
  RABBITMQ_CHANNELS: int(16, 1, 1_000),
};

type BaselineEnv = {
  MODE: Mode;
  DB_URL: string[];
  SHARD_URLS: string[];
  DB_POOL_MAX: number;
  RABBITMQ_URL: string[];
  RABBITMQ_QUEUE: string;
  RABBITMQ_CHANNELS: number;
};

export interface BaselineConfig {
  readonly mode: Mode;
  /** sync-db: the one database written to. Secret (non-enumerable): it may hold a password. */
  readonly dbUrl: string;
  readonly dbPoolMax: number;
  /** rabbitmq: the broker URL. Secret (non-enumerable). */
  readonly rabbitmqUrl: string;
  readonly rabbitmqQueue: string;
  readonly rabbitmqChannels: number;
  /** What may be logged of the two URLs. */
  readonly redacted: { readonly dbUrl: string; readonly rabbitmqUrl: string };
}

export function baselineConfig(e: BaselineEnv): BaselineConfig {
  const dbUrl = e.DB_URL[0] ?? e.SHARD_URLS[0] ?? '';
  if (e.MODE === 'sync-db' && dbUrl === '') {
    throw new ConfigError(['DB_URL: MODE=sync-db needs DB_URL or SHARD_URLS']);
  }
  const rabbitmqUrl = e.RABBITMQ_URL[0] ?? '';
  const config = {
    mode: e.MODE,
    dbPoolMax: e.DB_POOL_MAX,
    rabbitmqQueue: e.RABBITMQ_QUEUE,
    rabbitmqChannels: e.RABBITMQ_CHANNELS,
    redacted: { dbUrl: dbUrl && redactUrl(dbUrl), rabbitmqUrl: rabbitmqUrl && redactUrl(rabbitmqUrl) },
  } as BaselineConfig;
  for (const [key, value] of [
    ['dbUrl', dbUrl],
    ['rabbitmqUrl', rabbitmqUrl],
  ] as const) {
    Object.defineProperty(config, key, { value, enumerable: false });
  }
  return config;
}
