/**
 * Prometheus' view of its scrape targets (GET /api/v1/targets): every active target must be up, and each
 * scrape job must have as many targets as compose runs replicas of that service.
 */

export interface ActiveTarget {
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly health: string;
  readonly lastError?: string;
}

export interface TargetsReport {
  readonly ok: boolean;
  /** Job → [up, total]. */
  readonly jobs: Readonly<Record<string, readonly [number, number]>>;
  readonly problems: readonly string[];
}

/** The active targets of a /api/v1/targets response. */
export function activeTargets(body: unknown): ActiveTarget[] {
  const data = (body as { data?: { activeTargets?: ActiveTarget[] } }).data;
  if (!data?.activeTargets) throw new Error('not a Prometheus /api/v1/targets response');
  return data.activeTargets;
}

/** Checks the targets against the expected number per job (`{ purchase: 2, … }`). */
export function checkTargets(
  targets: readonly ActiveTarget[],
  expected: Readonly<Record<string, number>>,
): TargetsReport {
  const jobs: Record<string, [number, number]> = {};
  const problems: string[] = [];
  for (const target of targets) {
    const job = (jobs[target.scrapePool] ??= [0, 0]);
    job[1] += 1;
    if (target.health === 'up') job[0] += 1;
    else
      problems.push(
        `${target.scrapePool} ${target.scrapeUrl}: ${target.health} ${target.lastError ?? ''}`.trim(),
      );
  }
  for (const [job, count] of Object.entries(expected)) {
    const seen = jobs[job]?.[1] ?? 0;
    if (seen !== count) problems.push(`${job}: ${seen} targets, expected ${count}`);
  }
  for (const job of Object.keys(jobs))
    if (!(job in expected)) problems.push(`${job}: a scrape job nobody expected`);
  return { ok: problems.length === 0, jobs, problems };
}

/** Polls Prometheus until every target is up (or the deadline passes) and returns the last report. */
export async function waitForTargets(
  prometheusUrl: string,
  expected: Readonly<Record<string, number>>,
  timeoutMs = 90_000,
): Promise<TargetsReport> {
  const deadline = Date.now() + timeoutMs;
  let report: TargetsReport = { ok: false, jobs: {}, problems: ['Prometheus did not answer'] };
  for (;;) {
    try {
      const response = await fetch(`${prometheusUrl}/api/v1/targets?state=active`, {
        signal: AbortSignal.timeout(5000),
      });
      report = checkTargets(activeTargets(await response.json()), expected);
      if (report.ok) return report;
    } catch (error) {
      report = { ok: false, jobs: {}, problems: [`Prometheus: ${(error as Error).message}`] };
    }
    if (Date.now() >= deadline) return report;
    await new Promise((r) => setTimeout(r, 2000));
  }
}
