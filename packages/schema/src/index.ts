export * from './migrate.js';
export * from './purchase-writes.js';
export * from './identity.js';
export * from './consumer-offsets.js';
