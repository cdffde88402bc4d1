/**
 * The pause between reconnect attempts of a publisher: `sleep(ms)` resolves after `ms`, or at once
 * when `wake()` is called (close() wakes a publisher that is waiting to reconnect).
 */
export class Backoff {
  private wakeSleeper: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.wakeSleeper = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  wake(): void {
    this.wakeSleeper?.();
    this.wakeSleeper = undefined;
  }
}
