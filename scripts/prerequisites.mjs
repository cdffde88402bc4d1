#!/usr/bin/env node
// What a make target needs from the machine, checked (and, as root on Debian, installed) before it runs.
// The list is scripts/prerequisites.json; `make demo`, `make test` and CI all come through here.
//
//   node scripts/prerequisites.mjs demo|test|k8s   check; install what is missing as root, else name it and stop
//   node scripts/prerequisites.mjs --markdown  the README's Prerequisites table
//
// Runs with Node alone (before `npm ci`), so it imports nothing outside node:*.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** @returns {{ tools: any[], builds: any[] }} */
export function loadPrerequisites(file = path.join(root, 'scripts', 'prerequisites.json')) {
  const list = JSON.parse(readFileSync(file, 'utf8'));
  return { tools: list.tools, builds: list.builds ?? [] };
}

/** `k8s` is `make k8s-up`: the local single-node cluster. */
export const TARGETS = ['demo', 'test', 'k8s'];

/** `a.b.c` ≥ `x.y.z`, numerically. */
export function versionAtLeast(have, min) {
  const a = String(have).split('.').map(Number);
  const b = String(min).split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** The absolute path of an executable on PATH, or undefined. */
export function onPath(command, envPath = process.env.PATH ?? '') {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const full = path.join(dir, command);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Files matching a glob with `*` in directory or file names (no `**`). */
export function globFiles(pattern) {
  const parts = pattern.split('/').filter(Boolean);
  let found = ['/'];
  for (const part of parts) {
    const next = [];
    for (const dir of found) {
      if (!part.includes('*')) {
        const candidate = path.join(dir, part);
        if (existsSync(candidate)) next.push(candidate);
        continue;
      }
      const re = new RegExp(`^${part.split('*').map(escapeRegExp).join('.*')}$`);
      let names = [];
      try {
        names = readdirSync(dir);
      } catch {
        names = [];
      }
      for (const name of names) if (re.test(name)) next.push(path.join(dir, name));
    }
    found = next;
  }
  return found;
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Whether one tool is present. `io` holds what touches the machine, so the logic is testable:
 * `io.nodeVersion`, `io.onPath(command)`, `io.exists(file)`, `io.glob(pattern)`, `io.run(argv)` → output|undefined.
 * @returns {{ ok: boolean, detail?: string }}
 */
export function probe(tool, io) {
  const check = tool.check;
  if (check.node) {
    const have = io.nodeVersion.replace(/^v/, '');
    return versionAtLeast(have, check.node)
      ? { ok: true }
      : { ok: false, detail: `Node ${have} is older than ${check.node}` };
  }
  if (check.command) {
    const found = io.onPath(check.command);
    if (!found) return { ok: false, detail: `${check.command} not found on PATH` };
    if (!check.version) return { ok: true };
    const out = io.run([found, ...check.version.args]) ?? '';
    const match = new RegExp(check.version.pattern).exec(out);
    if (!match) return { ok: false, detail: `could not read the version of ${check.command}` };
    return versionAtLeast(match[1], String(check.version.min))
      ? { ok: true }
      : { ok: false, detail: `${check.command} ${match[1]} is older than ${check.version.min}` };
  }
  if (check.file) {
    return io.exists(check.file) ? { ok: true } : { ok: false, detail: `${check.file} not found` };
  }
  if (check.glob) {
    return io.glob(check.glob).length > 0
      ? { ok: true }
      : { ok: false, detail: `nothing matches ${check.glob}` };
  }
  if (check.script) {
    return io.run(['bash', path.join(root, check.script)]) !== undefined
      ? { ok: true }
      : { ok: false, detail: `${check.script} found no suitable toolchain` };
  }
  throw new Error(`prerequisite ${tool.id}: unknown check ${JSON.stringify(check)}`);
}

/** The tools a target needs that are missing, each with why. */
export function missingFor(target, tools, io) {
  const missing = [];
  for (const tool of tools) {
    if (!tool.targets.includes(target)) continue;
    const result = probe(tool, io);
    if (!result.ok) missing.push({ tool, detail: result.detail });
  }
  return missing;
}

/** The one message a user gets when something is missing and this process cannot install it. */
export function missingMessage(target, missing) {
  const packages = [...new Set(missing.map((m) => m.tool.debian).filter(Boolean))];
  const manual = missing.filter((m) => !m.tool.debian);
  const make = target === 'k8s' ? 'make k8s-up' : `make ${target}`;
  const lines = [`${make} needs what this machine lacks:`];
  for (const m of missing) {
    const pkg = m.tool.debian ? `Debian package ${m.tool.debian}` : m.tool.install;
    lines.push(`  - ${m.tool.what} (${m.tool.why}): ${m.detail}; ${pkg}`);
  }
  if (packages.length > 0) {
    lines.push(`Install with: sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`);
    lines.push(`(as root, ${make} installs them itself)`);
  }
  for (const m of manual) lines.push(`Install by hand: ${m.tool.what} — ${m.tool.install}`);
  return lines.join('\n');
}

const targetName = (t) => (t === 'k8s' ? '`make k8s-up`' : `\`make ${t}\``);

/** The README's Prerequisites table, generated from the list. */
export function markdownTable({ tools, builds }) {
  const rows = [['what', 'needed by', 'why', 'Debian package']];
  for (const tool of tools) {
    const debian = tool.debian ? `\`${tool.debian}\`` : tool.install;
    const why = tool.note ? `${tool.why} (${tool.note})` : tool.why;
    rows.push([tool.what, tool.targets.map(targetName).join(', '), why, debian]);
  }
  for (const build of builds) {
    rows.push([
      build.what,
      build.targets.map(targetName).join(', '),
      'built once into `~/.cache/tillstream`',
      '—',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(rows[0]),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

function machineIo() {
  return {
    nodeVersion: process.version,
    onPath: (command) => onPath(command),
    exists: (file) => existsSync(file),
    glob: (pattern) => globFiles(pattern),
    run: (argv) => {
      const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      if (r.error || r.status !== 0) return undefined;
      return `${r.stdout}${r.stderr}`;
    },
  };
}

function aptInstall(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const opts = { stdio: 'inherit', env };
  console.error(`[prerequisites] apt-get install ${packages.join(' ')}`);
  let r = spawnSync('apt-get', ['update', '-qq'], opts);
  if (r.status !== 0) return false;
  r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], opts);
  return r.status === 0;
}

function main(argv) {
  const list = loadPrerequisites();
  if (argv[0] === '--markdown') {
    console.log(markdownTable(list));
    return 0;
  }
  const target = argv[0];
  if (!TARGETS.includes(target)) {
    console.error(`usage: prerequisites.mjs ${TARGETS.join('|')} | --markdown`);
    return 2;
  }
  const io = machineIo();
  let missing = missingFor(target, list.tools, io);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((m) => m.tool.debian).filter(Boolean))];
    const installable = process.getuid?.() === 0 && onPath('apt-get') && packages.length > 0;
    if (!installable || missing.some((m) => !m.tool.debian)) {
      console.error(missingMessage(target, missing));
      return 1;
    }
    if (!aptInstall(packages)) {
      console.error(`[prerequisites] apt-get failed\n${missingMessage(target, missing)}`);
      return 1;
    }
    missing = missingFor(target, list.tools, io);
    if (missing.length > 0) {
      console.error(`[prerequisites] still missing after apt-get:\n${missingMessage(target, missing)}`);
      return 1;
    }
  }
  for (const build of list.builds) {
    if (!build.targets.includes(target)) continue;
    const r = spawnSync(build.run[0], build.run.slice(1), {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (r.status !== 0) {
      console.error(`[prerequisites] could not build ${build.what} (${build.run.join(' ')})`);
      return 1;
    }
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
