import { ConfigError } from '@tillstream/config';
import { DirtyTreeError } from './provenance.js';

/**
 * Runs a command's `main` when `moduleUrl` is the process's entry point, and exits with the code it
 * resolves to; a configuration error or a refused dirty tree prints its message alone, anything else its stack, with exit 1.
 */
export function runIfEntry(moduleUrl: string, main: () => Promise<number>): void {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof ConfigError || error instanceof DirtyTreeError ? error.message : error);
      process.exit(1);
    },
  );
}
