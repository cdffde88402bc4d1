import type { DashboardSpec } from '../panel-kit.js';
import { consumer } from './consumer.js';
import { k6 } from './k6.js';
import { overview } from './overview.js';
import { purchase } from './purchase.js';
import { store } from './store.js';

/** Every provisioned dashboard, by the file name it is written to under deploy/grafana/dashboards/. */
export const DASHBOARDS: Readonly<Record<string, DashboardSpec>> = {
  'overview.json': overview,
  'purchase.json': purchase,
  'consumer.json': consumer,
  'store.json': store,
  'k6.json': k6,
};
