import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tcpEchoRoundTrips } from '../../src/bench/tcp-echo.js';

test('TCP echo: paced round trips to a separate echo process, timed from when each was due', async () => {
  // 4 clients at 50 round trips/s each for 0.6 s after a 0.2 s warm-up: about 120 recorded.
  const echo = await tcpEchoRoundTrips({ clients: 4, ratePerClient: 50, warmupMs: 200, durationMs: 600 });
  assert.ok(echo.count >= 60 && echo.count <= 130, JSON.stringify(echo));
  assert.ok(echo.p50Ms !== null && echo.p50Ms > 0, JSON.stringify(echo));
  assert.ok(echo.p99Ms! >= echo.p50Ms!);
});
