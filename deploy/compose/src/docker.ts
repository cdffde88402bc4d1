/**
 * The Docker engine and Compose, driven through Debian's CLI (/usr/bin/docker): a newer CLI elsewhere on
 * PATH may refuse BuildKit builds without the buildx plugin, and the engine script installs this one.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** deploy/compose/src → the repository root. */
export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const DOCKER = process.env.DOCKER_CLI ?? '/usr/bin/docker';

/** Runs `docker …` and returns its stdout; throws with its stderr when it fails. */
export async function docker(
  args: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<string> {
  try {
    const { stdout } = await run(DOCKER, args, {
      env: { ...process.env, DOCKER_BUILDKIT: '1', ...options.env },
      timeout: options.timeoutMs ?? 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    // The end of stderr says why (compose prints every container's progress before it).
    const why = (e.stderr ?? '').trim().split('\n').slice(-12).join('\n') || e.message;
    throw new Error(`docker ${args.join(' ')} failed:\n${why}`);
  }
}

/** The last `tail` lines a container wrote, stdout and stderr together (empty when it cannot be read). */
export async function containerLogs(container: string, tail: number): Promise<string> {
  try {
    const { stdout, stderr } = await run(DOCKER, ['logs', '--tail', String(tail), container], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return `${stdout}\n${stderr}`;
  } catch {
    return '';
  }
}

/** True when an engine answers. */
export async function engineAnswers(): Promise<boolean> {
  try {
    return (await docker(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 10_000 })).trim() !== '';
  } catch {
    return false;
  }
}

/** A compose project: the committed docker-compose.yml, plus overrides, under a project name. */
export interface ComposeProject {
  readonly name: string;
  /** Compose files relative to the repository root, docker-compose.yml first. */
  readonly files: readonly string[];
  /** The variables file (.env, or .env.example's defaults when there is no .env). */
  readonly envFile: string;
  /** Variables that win over envFile (published ports, …). */
  readonly env: Readonly<Record<string, string>>;
}

export function composeArgs(project: ComposeProject, args: readonly string[]): string[] {
  return [
    'compose',
    '--project-directory',
    REPO_ROOT,
    '--project-name',
    project.name,
    '--env-file',
    project.envFile,
    ...project.files.flatMap((file) => ['--file', path.resolve(REPO_ROOT, file)]),
    ...args,
  ];
}

export function compose(
  project: ComposeProject,
  args: readonly string[],
  timeoutMs?: number,
): Promise<string> {
  return docker(composeArgs(project, args), { env: { ...project.env }, ...(timeoutMs ? { timeoutMs } : {}) });
}

export interface ContainerRef {
  readonly id: string;
  readonly name: string;
  readonly service: string;
}

/** The project's containers (running, or every one with `all`), with their compose service. */
export async function projectContainers(projectName: string, all = false): Promise<ContainerRef[]> {
  const out = await docker([
    'ps',
    ...(all ? ['--all'] : []),
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${projectName}`,
    '--format',
    '{{.ID}} {{.Names}} {{.Label "com.docker.compose.service"}}',
  ]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, name, service] = line.split(' ');
      return { id: id!, name: name!, service: service ?? '' };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** What a project leaves behind: containers, networks and volumes carrying its compose label. */
export async function projectLeftovers(
  projectName: string,
): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const label = `label=com.docker.compose.project=${projectName}`;
  const lines = (out: string) => out.split('\n').filter(Boolean);
  const [containers, networks, volumes] = await Promise.all([
    docker(['ps', '--all', '--filter', label, '--format', '{{.Names}}']),
    docker(['network', 'ls', '--filter', label, '--format', '{{.Name}}']),
    docker(['volume', 'ls', '--filter', label, '--format', '{{.Name}}']),
  ]);
  return { containers: lines(containers), networks: lines(networks), volumes: lines(volumes) };
}
