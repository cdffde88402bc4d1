/**
 * The three built services started by the test harness against a fresh topic and fresh shard
 * databases: a pipeline that shares nothing with other users of the stack. Used by the end-to-end
 * tests and by `ISOLATED=1` runs.
 */
import {
  createTestShards,
  createTestTopic,
  startService,
  uniqueName,
  type RunningService,
} from '@tillstream/stack/harness';
import { newApiKey } from '@tillstream/stack';
import type { Targets } from './targets.js';

export interface IsolatedPipeline {
  readonly targets: Targets;
  readonly services: {
    readonly purchase: RunningService;
    readonly consumer: RunningService;
    readonly store: RunningService;
  };
  /** Stops the services, deletes the topic and the databases. */
  remove(): Promise<void>;
}

/**
 * `auth`: `key` (default) runs the purchase service with a key of its own, in `targets.apiKey`, as
 * every deployment authenticates writes; `off` runs it with PURCHASE_AUTH=off, for a test that plays a
 * published course client, which sends no key.
 */
export async function startIsolatedPipeline(
  partitions = 12,
  options: { readonly auth?: 'key' | 'off' } = {},
): Promise<IsolatedPipeline> {
  const topic = await createTestTopic(partitions);
  const shards = await createTestShards(undefined, partitions);
  const kafka = {
    KAFKA_BROKERS: topic.brokers.join(','),
    KAFKA_TOPIC: topic.topic,
    KAFKA_DLQ_TOPIC: topic.dlqTopic,
    KAFKA_PARTITIONS: String(partitions),
    SHARD_URLS: shards.urls.join(','),
    LOG_LEVEL: 'warn',
  };
  const started: RunningService[] = [];
  const remove = async () => {
    await Promise.all(started.map((s) => s.stop()));
    await Promise.all([topic.remove(), shards.remove()]);
  };
  try {
    const consumer = await startService('consumer', { ...kafka, KAFKA_GROUP_ID: uniqueName('loadtest') });
    started.push(consumer);
    const apiKey = options.auth === 'off' ? undefined : newApiKey();
    const purchase = await startService('purchase', {
      ...kafka,
      PURCHASE_WORKERS: '1',
      ...(apiKey ? { PURCHASE_API_KEYS: apiKey } : { PURCHASE_AUTH: 'off' }),
    });
    started.push(purchase);
    const store = await startService('store', { ...kafka, STORE_WORKERS: '1' });
    started.push(store);
    return {
      targets: {
        purchaseUrl: purchase.url,
        storeUrl: store.url,
        consumerMetricsUrl: `${consumer.url}/metrics`,
        shardUrls: shards.urls,
        topology: { partitionCount: partitions, shardCount: shards.urls.length },
        ...(apiKey ? { apiKey } : {}),
      },
      services: { purchase, consumer, store },
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}
