export * from './migrate.js';
export * from './purchase-writes.js';
export * from './identity.js';
