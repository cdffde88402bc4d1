import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, bool, int, list, loadConfig, loadOrExit, redactUrl, urlList, z } from '../src/index.js';

const shape = {
  PORT: int(8080, 0, 65535),
  VERBOSE: bool(false),
  SHARD_URLS: urlList(['postgres:']),
  API_KEYS: list(),
  MODE: z.enum(['a', 'b']).default('a'),
};
const build = (e: z.output<z.ZodObject<typeof shape>>) => ({
  port: e.PORT,
  verbose: e.VERBOSE,
  shardUrls: e.SHARD_URLS,
  apiKeys: e.API_KEYS,
  mode: e.MODE,
});

test('defaults apply, values parse, the result is deeply frozen', () => {
  const config = loadConfig(
    shape,
    { VERBOSE: 'yes', SHARD_URLS: 'postgres://u:p@h:1/d, postgres://u:p@h:2/d', PORT: '' },
    build,
  );
  assert.equal(config.port, 8080);
  assert.equal(config.verbose, true);
  assert.deepEqual(config.shardUrls, ['postgres://u:p@h:1/d', 'postgres://u:p@h:2/d']);
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.shardUrls));
  assert.throws(() => ((config as { port: number }).port = 1), TypeError);
});

test('every bad variable is named in one error', () => {
  assert.throws(
    () => loadConfig(shape, { PORT: '70000', VERBOSE: 'maybe', SHARD_URLS: 'http://x', MODE: 'c' }, build),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const text = error.problems.join('\n');
      for (const name of ['PORT', 'VERBOSE', 'SHARD_URLS', 'MODE']) assert.match(text, new RegExp(name));
      return true;
    },
  );
});

test('secrets are kept but never enumerated or serialised', () => {
  const config = loadConfig(shape, { API_KEYS: 'k1,k2' }, build, { secrets: ['apiKeys'] });
  assert.deepEqual(config.apiKeys, ['k1', 'k2']);
  assert.equal(Object.keys(config).includes('apiKeys'), false);
  assert.equal(JSON.stringify(config).includes('k1'), false);
});

test('redactUrl hides the password', () => {
  assert.equal(redactUrl('postgres://user:secret@host:5433/db'), 'postgres://user:***@host:5433/db');
  assert.equal(redactUrl('not a url'), '<unparseable url>');
});

test('loadOrExit: the config, or every problem on stderr and exit 2; other errors propagate', (t) => {
  const exit = t.mock.method(process, 'exit', (code?: number) => {
    throw new Error(`exit ${code}`);
  });
  const stderr = t.mock.method(console, 'error', () => undefined);
  assert.deepEqual(
    loadOrExit((env) => ({ port: env.PORT }), { PORT: '1' }),
    { port: '1' },
  );
  assert.throws(
    () =>
      loadOrExit(() => {
        throw new ConfigError(['PORT: too big', 'MODE: unknown']);
      }),
    /exit 2/,
  );
  assert.equal(exit.mock.calls[0]?.arguments[0], 2);
  assert.match(String(stderr.mock.calls[0]?.arguments[0]), /PORT: too big\n {2}- MODE: unknown/);
  assert.throws(
    () =>
      loadOrExit(() => {
        throw new TypeError('a bug');
      }),
    /a bug/,
  );
  assert.equal(exit.mock.callCount(), 1);
});
