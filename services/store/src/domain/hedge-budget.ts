/**
 * Caps hedges to a share of the primary queries, with a small burst allowance (the token bucket of
 * gRPC's retry throttling). Without it an overloaded shard, whose every query passes the hedge
 * delay, would be hedged on every query and double the load exactly when it hurts most.
 */
export class HedgeBudget {
  private tokens: number;

  /**
   * @param ratio tokens earned per primary query: 0.1 allows one hedge per 10 queries in the long run
   * @param burst tokens that can be saved up, i.e. hedges allowed back to back after a quiet spell
   */
  constructor(
    private readonly ratio: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Every primary query earns its share. */
  earn(): void {
    this.tokens = Math.min(this.burst, this.tokens + this.ratio);
  }

  /** Spends one token when there is one. */
  trySpend(): boolean {
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
