/**
 * The compose stack as `make compose-up`, `make compose-down` and the compose tier run it: the committed
 * docker-compose.yml (plus deploy/compose/without-grafana.yml only when the Grafana image is absent),
 * `up --wait` on images `make images` built, published ports on 127.0.0.1, and a `down` that removes
 * containers, networks and volumes and checks that nothing of the project is left.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnvFile } from '../../validate/src/compose.js';
import { parseDockerfile } from '../../validate/src/dockerfile.js';
import { compose, docker, projectLeftovers, REPO_ROOT, type ComposeProject } from './docker.js';

export const COMPOSE_FILE = 'docker-compose.yml';
export const WITHOUT_GRAFANA = 'deploy/compose/without-grafana.yml';

/** The user's .env (`make env` creates it, with a generated purchase API key). */
export function defaultEnvFile(): string {
  const own = path.join(REPO_ROOT, '.env');
  if (!existsSync(own)) throw new Error('there is no .env: run make env');
  return own;
}

/**
 * A private variables file for a project of its own (tests, make compose-test): .env.example's settings
 * with a freshly generated purchase API key, written by `make env`'s script into `dir`.
 */
export function generatedEnvFile(dir: string): string {
  const file = path.join(dir, '.env');
  execFileSync('bash', [path.join(REPO_ROOT, 'deploy', 'compose', 'env.sh')], {
    env: { ...process.env, ENV_FILE: file },
    stdio: 'ignore',
  });
  return file;
}

/** The compose project: docker-compose.yml, and the Grafana override when its image is not here. */
export async function composeProject(
  name: string,
  env: Readonly<Record<string, string>> = {},
  envFile = defaultEnvFile(),
): Promise<ComposeProject> {
  const base: ComposeProject = { name, files: [COMPOSE_FILE], envFile, env };
  const images = (await compose(base, ['config', '--images'])).split('\n').filter(Boolean);
  const grafana = images.find((image) => image.startsWith('grafana/'));
  const present = grafana ? await imagePresent(grafana) : true;
  return present ? base : { ...base, files: [COMPOSE_FILE, WITHOUT_GRAFANA] };
}

export async function imagePresent(image: string): Promise<boolean> {
  try {
    await docker(['image', 'inspect', image]);
    return true;
  } catch {
    return false;
  }
}

/** The variables compose resolves: the env file, overridden by the project's own. */
export function projectVariables(project: ComposeProject): Record<string, string> {
  return { ...parseEnvFile(readFileSync(project.envFile, 'utf8')), ...project.env };
}

/** The published 127.0.0.1 URLs of the purchase API, the Store API and Prometheus. */
export function publishedUrls(project: ComposeProject): {
  purchaseUrl: string;
  storeUrl: string;
  prometheusUrl: string;
} {
  const vars = projectVariables(project);
  const address = vars.PUBLISH_ADDRESS || '127.0.0.1';
  return {
    purchaseUrl: `http://${address}:${vars.PURCHASE_PORT || '8080'}`,
    storeUrl: `http://${address}:${vars.STORE_PORT || '8081'}`,
    prometheusUrl: `http://${address}:${vars.PROMETHEUS_PORT || '9090'}`,
  };
}

/** The Node image the services' Dockerfiles build on (ARG NODE_IMAGE). */
export function nodeImage(): string {
  const dockerfile = parseDockerfile(
    readFileSync(path.join(REPO_ROOT, 'services', 'purchase', 'Dockerfile'), 'utf8'),
  );
  const image = dockerfile.args.NODE_IMAGE;
  if (!image) throw new Error('services/purchase/Dockerfile has no ARG NODE_IMAGE');
  return image;
}

/** `docker compose up --wait` with the images `make images` built (nothing is built or pulled here). */
export async function composeUp(project: ComposeProject, waitSeconds = 600): Promise<void> {
  await compose(
    project,
    ['up', '--detach', '--wait', '--wait-timeout', String(waitSeconds), '--no-build', '--pull', 'never'],
    (waitSeconds + 60) * 1000,
  );
}

/** `docker compose down --volumes`, then fails when anything labelled with the project is left. */
export async function composeDown(project: ComposeProject): Promise<void> {
  await compose(project, ['down', '--volumes', '--remove-orphans', '--timeout', '30'], 300_000);
  const left = await projectLeftovers(project.name);
  const all = [...left.containers, ...left.networks, ...left.volumes];
  if (all.length > 0) throw new Error(`compose down left ${all.join(', ')} behind`);
}
