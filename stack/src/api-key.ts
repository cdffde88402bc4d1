import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The purchase API key of a native stack: generated once per STACK_DIR into `purchase-api-key` (mode
 * 0600, beside state.json), handed to the purchase service as PURCHASE_API_KEYS and read by the load
 * runner, the demo and `make k6`, which send it. `make clean` removes it with the directory.
 */
export const API_KEY_FILE_NAME = 'purchase-api-key';

export function apiKeyFile(stackDir: string): string {
  return path.join(stackDir, API_KEY_FILE_NAME);
}

/** The stack's key, or undefined when none was generated yet. */
export function readStackApiKey(stackDir: string): string | undefined {
  try {
    const key = readFileSync(apiKeyFile(stackDir), 'utf8').trim();
    return key === '' ? undefined : key;
  } catch {
    return undefined;
  }
}

/** A new random key: 32 bytes of entropy, URL- and header-safe. */
export function newApiKey(): string {
  return `tsk_${randomBytes(32).toString('base64url')}`;
}

/** The stack's key, generated (0600, never overwritten) when there is none. */
export function ensureStackApiKey(stackDir: string): string {
  const existing = readStackApiKey(stackDir);
  const file = apiKeyFile(stackDir);
  if (existing) {
    chmodSync(file, 0o600);
    return existing;
  }
  try {
    writeFileSync(file, `${newApiKey()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = readStackApiKey(stackDir);
  if (!key) throw new Error(`${file} is empty: delete it and start again`);
  return key;
}
