#!/usr/bin/env node
// The record of one `make fresh-check` (generated: written by scripts/fresh-check.sh, never by hand).
//   summary.mjs <times-file> --commit C --started T --finished T --exit N --image I --base B --node V --commands "…"
// <times-file> has one line per command that ran: `command|exit code|seconds`.
import { readFileSync } from 'node:fs';

export function parseTimes(text) {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [command, exit, seconds] = line.split('|');
      return { command, exitCode: Number(exit), seconds: Number(seconds), passed: Number(exit) === 0 };
    });
}

export function summary(times, flags) {
  const planned = flags.commands.split(';').map((c) => c.trim());
  const ran = parseTimes(times);
  return {
    generatedBy: 'scripts/fresh-check.sh',
    command: [
      flags.network && flags.network !== 'host' ? `FRESH_CHECK_NETWORK=${flags.network}` : '',
      flags.env ? `FRESH_CHECK_ENV="${flags.env}"` : '',
      `FRESH_CHECK_COMMANDS="${flags.commands}" make fresh-check`,
    ]
      .filter(Boolean)
      .join(' '),
    commit: flags.commit,
    startedAt: flags.started,
    finishedAt: flags.finished,
    container: {
      image: flags.image,
      base: flags.base,
      node: flags.node,
      preinstalled: ['git', 'make', 'ca-certificates', `node ${flags.node}`, 'npm'],
      network: flags.network ?? 'host',
      environment: flags.env ?? '',
    },
    commands: planned.map((command) => ran.find((r) => r.command === command) ?? { command, ran: false }),
    passed: Number(flags.exit) === 0 && planned.every((c) => ran.some((r) => r.command === c && r.passed)),
  };
}

function flagsOf(argv) {
  const flags = {};
  for (let i = 0; i < argv.length; i += 2) flags[argv[i].replace(/^--/, '')] = argv[i + 1];
  return flags;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [file, ...rest] = process.argv.slice(2);
  console.log(JSON.stringify(summary(readFileSync(file, 'utf8'), flagsOf(rest)), null, 2));
}
