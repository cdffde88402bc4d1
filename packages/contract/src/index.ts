export * from './limits.js';
export * from './murmur2.js';
export * from './shard-map.js';
export * from './purchase-event.js';
export * from './traceparent.js';
export * from './shard-identity.js';
