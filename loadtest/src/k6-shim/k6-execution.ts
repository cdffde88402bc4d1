/**
 * The shim's `k6/execution` module: the VU, scenario and instance fields the shim can answer. Reading
 * any other field throws, so a script that starts using one fails its test instead of reading undefined.
 */
import { runtime } from './runtime.js';

function strict<T extends object>(what: string, fields: T): T {
  return new Proxy(fields, {
    get(target, key) {
      if (typeof key === 'symbol' || key in target) return Reflect.get(target, key);
      throw new Error(`k6/execution ${what}.${key} is not implemented by the k6 shim (loadtest/src/k6-shim)`);
    },
  });
}

function assignment() {
  const { assignment } = runtime();
  if (!assignment) throw new Error('k6/execution: VU and scenario fields only exist in a VU');
  return assignment;
}

function iteration() {
  const { iteration } = runtime();
  if (!iteration) throw new Error('k6/execution: iteration fields only exist inside an iteration');
  return iteration;
}

const execution = {
  vu: strict('vu', {
    get idInTest() {
      return assignment().idInTest;
    },
    get idInInstance() {
      return assignment().idInTest;
    },
    get iterationInScenario() {
      return iteration().inScenario;
    },
    get iterationInInstance() {
      return iteration().inScenario;
    },
  }),
  scenario: strict('scenario', {
    get name() {
      return assignment().scenario;
    },
    get executor() {
      return assignment().executor;
    },
  }),
  instance: strict('instance', {
    get iterationsCompleted() {
      return runtime().iterationsCompleted();
    },
  }),
};

export default strict('', execution);
