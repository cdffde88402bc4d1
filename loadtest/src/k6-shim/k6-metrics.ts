/** The shim's `k6/metrics` module: custom metrics, declared in the init context, summed by the controller. */
import type { MetricKind } from './metrics.js';
import { runtime } from './runtime.js';

abstract class Metric {
  constructor(
    readonly name: string,
    kind: MetricKind,
  ) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/.test(name)) throw new Error(`invalid metric name ${name}`);
    runtime().define(name, kind);
  }

  /** Tags are accepted and ignored: the shim aggregates each metric as a whole. */
  add(value: number | boolean, _tags?: Record<string, string>): void {
    runtime().sample(this.name, Number(value));
  }
}

export class Counter extends Metric {
  constructor(name: string) {
    super(name, 'counter');
  }
}
export class Gauge extends Metric {
  constructor(name: string) {
    super(name, 'gauge');
  }
}
export class Rate extends Metric {
  constructor(name: string) {
    super(name, 'rate');
  }
}
export class Trend extends Metric {
  constructor(name: string) {
    super(name, 'trend');
  }
}

export default { Counter, Gauge, Rate, Trend };
