/**
 * The composition root of the designed system: the purchase service publishing to the partitioned
 * Kafka topic (kafka-publisher.ts). The baseline designs have their own (baselines/main.ts).
 */
import { loadOrExit } from '@tillstream/config';
import { loadPurchaseConfig } from './config.js';
import { KafkaPublisher } from './kafka-publisher.js';
import { runPurchaseService } from './service.js';

const config = loadOrExit(loadPurchaseConfig);
await runPurchaseService(config, (config, log, onConnectedChange) => ({
  publisher: new KafkaPublisher({ ...config.kafka, log, onConnectedChange }),
  batch: config.batch,
}));
