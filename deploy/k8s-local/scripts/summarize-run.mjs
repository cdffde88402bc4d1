#!/usr/bin/env node
// Writes <run>/README.md for a `make k8s-test` record from its summary.json (the load runner's) and
// k8s.json (test.sh's: component start times, deploy stages, faults). Usage: summarize-run.mjs <run dir>
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: summarize-run.mjs <results/k8s/run dir>');
  process.exit(2);
}
const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
const k8s = JSON.parse(readFileSync(path.join(dir, 'k8s.json'), 'utf8'));
const { load, drain, verify } = summary;
/** deploy.sh's stages: the images, then the seconds from the apply until each condition held. */
const DEPLOY_STAGES = {
  images: 'images imported (docker save → ctr import)',
  'setup-jobs': 'apply → both setup Jobs complete',
  rollout: 'apply → every Deployment and StatefulSet rolled out',
};
const number = (n, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const check = (ok) => (ok ? '✔' : '✘');

/** The purchase HPA while the load ran (metrics-server's CPU, as a share of the pods' requests). */
function hpaSection(hpa) {
  if (!hpa) return [];
  const samples = hpa.samples.filter((s) => s.currentReplicas !== null);
  const most = Math.max(0, ...samples.map((s) => s.currentReplicas));
  const firstAbove = samples.find((s) => s.currentReplicas > hpa.minReplicas);
  const utilisation = samples.map((s) => s.cpuUtilisationPercent).filter((u) => u !== null);
  return [
    `## Autoscaling (${hpa.target}, metrics-server's CPU)`,
    '',
    `${samples.length} samples, 5 s apart while the load ran: CPU ${utilisation.length ? `${Math.min(...utilisation)}–${Math.max(...utilisation)} %` : 'never reported'} of the pods' requests,`,
    `replicas from ${samples[0]?.currentReplicas ?? '?'} (minimum ${hpa.minReplicas}) to at most **${most}**${firstAbove ? `, first above the minimum at ${firstAbove.at}` : ''}. Scaled ${check(most > hpa.minReplicas)}`,
    '',
  ];
}

const lines = [
  `# \`make k8s-test\` on the local single-node cluster (${k8s.kubernetes})`,
  '',
  `Recorded ${k8s.recordedAt} at commit \`${summary.commit.slice(0, 8)}\`${summary.commitDirty ? ' (work tree not clean: other work in progress on the same checkout)' : ''};`,
  `reproduce with \`${k8s.command}\` after \`make k8s-up\`. Machine: ${summary.machine?.cpus ?? '?'} × ${summary.machine?.cpuModel ?? 'CPU'},`,
  `${summary.machine?.totalMemoryGiB ?? '?'} GiB, load average ${summary.machine?.loadAverageAtStart ?? '?'} when the load started (the cluster, the`,
  'runner and any other work on the machine share its cores).',
  '',
  '## Cluster start (seconds until each component answered)',
  '',
  '| component | s |',
  '| --- | --: |',
  ...Object.entries(k8s.componentStartSeconds).map(([name, s]) => `| ${name} | ${s} |`),
  ...Object.entries(k8s.deploySeconds ?? {}).map(
    ([name, s]) => `| deploy: ${DEPLOY_STAGES[name] ?? name} | ${s} |`,
  ),
  '',
  '## Load through the NodePorts (127.0.0.1:30080 purchase, :30081 store)',
  '',
  `${summary.clients} stores, ${number(load.purchases.total)} purchases: ${number(load.purchases.ok)} acknowledged, ${load.purchases.failed} failed after retries;`,
  `${number(load.attempts.retries)} retries (status counts ${JSON.stringify(load.statusCounts)}). Wall ${number(load.wallMs / 1000, 1)} s,`,
  `**${number(load.throughputPerSecond)} purchases/s**; latency of every attempt: median ${number(load.latency.medianMs, 1)} ms,`,
  `p95 ${number(load.latency.p95Ms, 1)} ms, **p99 ${number(load.latency.p99Ms, 1)} ms**, max ${number(load.latency.maxMs)} ms.`,
  `Drained ${check(drain.drained)} (${number(drain.foundQuantity)} of ${number(drain.expectedQuantity)} items on the shards).`,
  '',
  '## Faults under load, one at a time',
  '',
  '| fault | target | injected | whole again after (s) | under load |',
  '| --- | --- | --- | --: | :-: |',
  ...k8s.faults.map(
    (f) =>
      `| ${f.fault} | ${f.target} | ${f.injectedAt} | ${f.recoveredAfterSeconds ?? 'not within 600'} | ${check(f.underLoad)} |`,
  ),
  '',
  ...hpaSection(k8s.hpa),
  '## Ledger',
  '',
  `- (store, item) totals on each store's shard equal the acknowledged purchases: ${check(verify.shards.ok)} (${number(verify.shards.checked)} checked, ${verify.shards.mismatchCount} mismatches)`,
  `- one purchase row per acknowledged purchase: ${check(verify.purchaseRows.ok)} (${verify.purchaseRows.mismatchCount} mismatches)`,
  `- Store API top 10 equals the ledger: ${check(verify.storeApi.ok)} (${number(verify.storeApi.checked)} stores, ${verify.storeApi.mismatchCount} mismatches)`,
  '',
  `Invariants hold: ${check(summary.invariantsHold)}. Files: summary.json, lag.csv, k8s.json (requests.csv.gz stays out of git).`,
  '',
];
writeFileSync(path.join(dir, 'README.md'), lines.join('\n'));
console.log(`wrote ${path.join(dir, 'README.md')}`);
