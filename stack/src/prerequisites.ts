import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, type StackSettings } from './settings.js';

/** A missing prerequisite, with how to get it. The CLI prints it and exits non-zero. */
export class PrerequisiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrerequisiteError';
  }
}

/** stdout + stderr of a command, or undefined when it is not installed. */
function run(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}

export function javaMajorVersion(): number | undefined {
  const out = run('java', ['-version']);
  if (out === undefined) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(out);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

export function checkJava(): void {
  const major = javaMajorVersion();
  if (major === undefined) {
    throw new PrerequisiteError(
      'java not found: install a JDK ≥ 17 (Debian: apt-get install openjdk-17-jre-headless)',
    );
  }
  if (major < 17) {
    throw new PrerequisiteError(
      `java ${major} is too old: Kafka ${'3.9'} needs Java ≥ 17 (apt-get install openjdk-17-jre-headless)`,
    );
  }
}

export function checkMavenOrKafkaHome(settings: StackSettings): void {
  if (settings.kafka.home) {
    if (!existsSync(path.join(settings.kafka.home, 'libs'))) {
      throw new PrerequisiteError(
        `KAFKA_HOME=${settings.kafka.home} has no libs/ folder: point it at a Kafka distribution`,
      );
    }
    return;
  }
  if (run('mvn', ['-v']) === undefined) {
    throw new PrerequisiteError(
      'neither Maven nor KAFKA_HOME: install Maven (apt-get install maven) so the stack can resolve the Kafka jars, or set KAFKA_HOME to a Kafka distribution',
    );
  }
}

/** The directory holding initdb and postgres: PG_BIN_DIR, else the newest /usr/lib/postgresql/N/bin, else PATH. */
export function findPostgresBin(settings: StackSettings): string {
  const candidates: string[] = [];
  if (settings.shards.binDir) candidates.push(settings.shards.binDir);
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(path.join(debianRoot, v, 'bin'));
  }
  for (const dir of candidates)
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'))) return dir;
  const pgConfig = run('pg_config', ['--bindir'])?.trim();
  if (pgConfig && existsSync(path.join(pgConfig, 'initdb'))) return pgConfig;
  throw new PrerequisiteError(
    'PostgreSQL server binaries (initdb, postgres) not found: apt-get install postgresql, or set PG_BIN_DIR',
  );
}

/** One tool of scripts/prerequisites.json, the project's list of what each make target needs. */
export interface ListedTool {
  readonly id: string;
  readonly what: string;
  readonly why: string;
  readonly debian?: string;
  readonly install?: string;
  readonly check: { readonly command?: string; readonly file?: string };
}

/** scripts/prerequisites.json of this checkout. */
export function listedTools(file = path.join(REPO_ROOT, 'scripts', 'prerequisites.json')): ListedTool[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { tools: ListedTool[] }).tools;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Fails at once, naming the Debian package, when a tool a harness is about to start is not installed, so a
 * missing prerequisite is never discovered by a timeout. `id` is the tool's id in scripts/prerequisites.json;
 * `file` overrides the listed path (a harness that was given another binary checks that one).
 */
export function requireTool(id: string, tools: ListedTool[] = listedTools(), file?: string): void {
  const tool = tools.find((t) => t.id === id);
  if (!tool) throw new Error(`scripts/prerequisites.json lists no tool "${id}"`);
  const present = tool.check.command ? onPath(tool.check.command) : existsSync(file ?? tool.check.file ?? '');
  if (present) return;
  const how = tool.debian ? `apt-get install ${tool.debian}` : (tool.install ?? 'see the README');
  throw new PrerequisiteError(
    `${tool.what} is not installed (${tool.why}): ${how} — or run \`make prerequisites\` as root`,
  );
}
