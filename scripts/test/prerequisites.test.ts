import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
// @ts-expect-error a plain ESM script (it runs before `npm ci`), without type declarations
import * as prerequisites from '../prerequisites.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Tool {
  id: string;
  what: string;
  why: string;
  debian?: string;
  install?: string;
  targets: string[];
  check: Record<string, unknown>;
}
const { tools, builds } = prerequisites.loadPrerequisites() as { tools: Tool[]; builds: unknown[] };

/** A machine where exactly the given commands and files exist. */
function fakeIo(opts: { node?: string; commands?: Record<string, string>; files?: string[] } = {}) {
  const commands = opts.commands ?? {};
  const files = new Set(opts.files ?? []);
  return {
    nodeVersion: opts.node ?? 'v22.0.0',
    onPath: (command: string) => (command in commands ? `/usr/bin/${command}` : undefined),
    exists: (file: string) => files.has(file),
    glob: (pattern: string) => [...files].filter((f) => f.startsWith(pattern.split('*')[0]!)),
    run: (argv: string[]) => {
      if (argv[0] === 'bash') return files.has('go') ? '/usr/local/go/bin/go' : undefined;
      return commands[path.basename(argv[0]!)];
    },
  };
}

describe('the prerequisites list', () => {
  it('is the README table, word for word', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const match = /<!-- prerequisites:begin[^>]*-->\s*\n([\s\S]*?)\n\s*<!-- prerequisites:end -->/.exec(
      readme,
    );
    assert.ok(match, 'README.md has no generated prerequisites table between its markers');
    assert.equal(
      match[1],
      prerequisites.markdownTable({ tools, builds }),
      'README.md differs from scripts/prerequisites.json: paste `node scripts/prerequisites.mjs --markdown`',
    );
  });

  it('names, for every tool, the targets that need it and how to get it', () => {
    for (const tool of tools) {
      assert.ok(tool.targets.length > 0, tool.id);
      for (const t of tool.targets) assert.ok(prerequisites.TARGETS.includes(t), `${tool.id}: target ${t}`);
      assert.ok(
        tool.debian ?? tool.install,
        `${tool.id} says neither its Debian package nor how to install it`,
      );
    }
  });
});

describe('missingFor', () => {
  const everything = fakeIo({
    commands: {
      java: 'openjdk version "17.0.15" 2025-04-15',
      javac: '',
      mvn: '',
      ip: '',
      promtool: '',
      shellcheck: '',
      debootstrap: '',
      etcd: '',
      openssl: '',
    },
    files: [
      '/usr/sbin/dockerd',
      '/usr/lib/postgresql/15/bin/initdb',
      '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
      '/usr/lib/rabbitmq/bin/rabbitmq-server',
      'go',
    ],
  });

  it('finds nothing missing on a complete machine', () => {
    assert.deepEqual(prerequisites.missingFor('test', tools, everything), []);
    assert.deepEqual(prerequisites.missingFor('demo', tools, everything), []);
  });

  it('reports a missing command, an old version, a missing file and an old Node', () => {
    const io = fakeIo({
      node: 'v18.19.0',
      commands: { java: 'openjdk version "11.0.2"', ip: '', promtool: '', shellcheck: '' },
      files: ['/usr/lib/postgresql/15/bin/initdb', '/usr/lib/rabbitmq/bin/rabbitmq-server', 'go'],
    });
    const missing = prerequisites.missingFor('test', tools, io) as { tool: Tool; detail: string }[];
    const byId = new Map(missing.map((m) => [m.tool.id, m.detail]));
    assert.deepEqual([...byId.keys()].sort(), [
      'debootstrap',
      'docker',
      'etcd',
      'faketime',
      'java',
      'jdk',
      'maven',
      'node',
      'openssl',
    ]);
    assert.match(byId.get('java')!, /11 is older than 17/);
    assert.match(byId.get('node')!, /18\.19\.0 is older than 20\.11/);
  });

  it('asks only what the target needs: the demo does not need the test tools', () => {
    const io = fakeIo({
      commands: { java: 'openjdk version "21"', mvn: '' },
      files: ['/usr/lib/postgresql/15/bin/initdb'],
    });
    assert.deepEqual(prerequisites.missingFor('demo', tools, io), []);
    assert.ok(prerequisites.missingFor('test', tools, io).length >= 5);
  });
});

describe('missingMessage', () => {
  it('names every missing package once, and the one command that installs them', () => {
    const missing = prerequisites.missingFor('test', tools, fakeIo()) as { tool: Tool }[];
    const message = prerequisites.missingMessage('test', missing) as string;
    const packages = [...new Set(missing.map((m) => m.tool.debian).filter(Boolean))];
    assert.ok(packages.length >= 8);
    const install = /sudo apt-get install -y (.*)/.exec(message);
    assert.ok(install, message);
    assert.deepEqual(install[1]!.split(' ').sort(), [...packages].sort());
  });
});

describe('the CLI without root', () => {
  it('stops at once with one message naming what is missing, and installs nothing', () => {
    // A PATH with only Node on it; as root, the check runs as the unprivileged user `nobody`.
    const bin = mkdtempSync(path.join(os.tmpdir(), 'tillstream-prereq-'));
    chmodSync(bin, 0o755);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    // A copy of the checker, readable by `nobody` wherever this checkout lies.
    mkdirSync(path.join(bin, 'scripts'));
    for (const name of ['prerequisites.mjs', 'prerequisites.json', 'ensure-go.sh'])
      copyFileSync(path.join(root, 'scripts', name), path.join(bin, 'scripts', name));
    const env = { PATH: bin, HOME: bin };
    const argv = [path.join(bin, 'node'), path.join(bin, 'scripts', 'prerequisites.mjs'), 'test'];
    const runuser = ['/usr/sbin/runuser', '/sbin/runuser'].find((p) => existsSync(p)) ?? 'runuser';
    const command = process.getuid?.() === 0 ? [runuser, '-u', 'nobody', '--', ...argv] : argv;
    const started = Date.now();
    const result = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', env, timeout: 60_000 });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(result.status, 1, `${result.stdout}${result.stderr}`);
    for (const pkg of ['openjdk-17-jre-headless', 'maven', 'shellcheck', 'prometheus', 'iproute2'])
      assert.match(result.stderr, new RegExp(`install -y .*\\b${pkg}\\b`), result.stderr);
    assert.doesNotMatch(result.stderr, /\[prerequisites\] apt-get/);
    assert.ok(seconds < 30, `took ${seconds} s`);
    rmSync(bin, { recursive: true, force: true });
  });
});
