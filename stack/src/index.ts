export * from './settings.js';
export * from './state.js';
export * from './control.js';
export * from './kafka.js';
export * from './postgres.js';
export * from './services.js';
export { apiKeyFile, ensureStackApiKey, newApiKey, readStackApiKey } from './api-key.js';
export * from './network.js';
export { findPostgresBin } from './prerequisites.js';
