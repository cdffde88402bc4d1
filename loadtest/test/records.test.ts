import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { CSV_HEADER, CsvRecorder, csvLine } from '../src/records.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'records-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const record = { startTime: 1609459200123.4, type: 'POST', latencyMs: 12.34567, status: 201, attempt: 2 };

test('one CSV line per attempt: startTime,type,latencyMs,status,attempt', () => {
  assert.equal(CSV_HEADER, 'startTime,type,latencyMs,status,attempt\n');
  assert.equal(csvLine(record), '1609459200123,POST,12.346,201,2\n');
});

test('small files stay plain, large ones are replaced by gzip', async () => {
  const small = new CsvRecorder(path.join(dir, 'small.csv'));
  small.write(record);
  const smallPath = await small.finish(1_000_000);
  assert.equal(readFileSync(smallPath, 'utf8'), CSV_HEADER + csvLine(record));

  const large = new CsvRecorder(path.join(dir, 'large.csv'));
  for (let i = 0; i < 5000; i++) large.write({ ...record, attempt: 1 + (i % 3) });
  const largePath = await large.finish(10_000);
  assert.equal(largePath, path.join(dir, 'large.csv.gz'));
  assert.ok(!existsSync(path.join(dir, 'large.csv')));
  const lines = gunzipSync(readFileSync(largePath)).toString().trimEnd().split('\n');
  assert.equal(lines.length, 5001);
  assert.equal(lines[3], '1609459200123,POST,12.346,201,3');
});
