/**
 * Per-attempt records as CSV: `startTime,type,latencyMs,status,attempt` (startTime in epoch ms, the
 * CS6650 record format plus the attempt number). Lines are batched into 64 KiB writes while the load
 * runs; compression happens after the run (`finish`), so it never competes with the load for CPU.
 */
import { createReadStream, createWriteStream, statSync, unlinkSync, type WriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export const CSV_HEADER = 'startTime,type,latencyMs,status,attempt\n';

export interface AttemptRecord {
  readonly startTime: number;
  readonly type: string;
  readonly latencyMs: number;
  readonly status: number;
  readonly attempt: number;
  /** The answer's Retry-After in ms when it was not a 201 (not written to the CSV). */
  readonly retryAfterMs?: number | undefined;
}

export function csvLine(record: AttemptRecord): string {
  return `${Math.round(record.startTime)},${record.type},${record.latencyMs.toFixed(3)},${record.status},${record.attempt}\n`;
}

export class CsvRecorder {
  readonly #stream: WriteStream;
  readonly #path: string;
  #buffer = '';

  constructor(path: string) {
    this.#path = path;
    this.#stream = createWriteStream(path);
    this.#stream.write(CSV_HEADER);
  }

  write(record: AttemptRecord): void {
    this.#buffer += csvLine(record);
    if (this.#buffer.length >= 65_536) {
      this.#stream.write(this.#buffer);
      this.#buffer = '';
    }
  }

  /**
   * Flushes and closes the file; when it is larger than `gzipAboveBytes` replaces it with a gzip
   * copy. Resolves with the path of the file that remains.
   */
  async finish(gzipAboveBytes: number): Promise<string> {
    if (this.#buffer) this.#stream.write(this.#buffer);
    this.#buffer = '';
    await new Promise<void>((resolve, reject) => {
      this.#stream.once('error', reject);
      this.#stream.end(resolve);
    });
    if (statSync(this.#path).size <= gzipAboveBytes) return this.#path;
    const gzipped = `${this.#path}.gz`;
    await pipeline(createReadStream(this.#path), createGzip({ level: 6 }), createWriteStream(gzipped));
    unlinkSync(this.#path);
    return gzipped;
  }
}
