#!/usr/bin/env node
// tillstream-stack up | down | status | clean | fetch — the native local stack (see README "The local stack");
// containers-up | containers-down — a Testcontainers set for test files to share (STACK_CONTAINERS_STATE).
import { ConfigError } from '@tillstream/config';
import { clean, describe, down, runningState, up } from './control.js';
import { PrerequisiteError, checkJava, checkMavenOrKafkaHome } from './prerequisites.js';
import { fetchKafkaJars } from './kafka.js';
import { removeLabelledContainers, startSharedContainerStack } from './containers.js';
import { loadStackSettings } from './settings.js';

const log = (line: string) => console.log(`[stack] ${line}`);

async function main(command: string | undefined): Promise<number> {
  const settings = loadStackSettings();
  switch (command) {
    case 'up': {
      const state = await up(settings, log);
      console.log(describe(state));
      return 0;
    }
    case 'down':
      await down(settings, log);
      return 0;
    case 'status': {
      const state = await runningState(settings);
      console.log(describe(state));
      return state?.status === 'ready' ? 0 : 3;
    }
    case 'fetch':
      checkJava();
      checkMavenOrKafkaHome(settings);
      if (!settings.kafka.home) log(`kafka jars in ${fetchKafkaJars(settings, log)}`);
      return 0;
    case 'clean':
      await clean(settings, log);
      return 0;
    case 'containers-up': {
      const state = await startSharedContainerStack(settings);
      log(
        `containers ready: Kafka ${state.kafka.bootstrap}, ${state.shards.length} shards (${settings.containersState})`,
      );
      return 0;
    }
    case 'containers-down':
      removeLabelledContainers();
      return 0;
    default:
      console.error('usage: tillstream-stack up|down|status|clean|fetch|containers-up|containers-down');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof PrerequisiteError || error instanceof ConfigError)
      console.error(`[stack] ${error.message}`);
    else console.error('[stack]', error);
    process.exit(1);
  },
);
