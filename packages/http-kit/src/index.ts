export * from './service-error.js';
export * from './express-errors.js';
export * from './http-metrics.js';
export * from './request-id.js';
export * from './cluster.js';
export * from './server.js';
