// What `make images` and `make compose-up` rely on, checked without a Docker engine: every image compose
// runs is either built from our Dockerfiles or has a stand-in (Grafana excepted, on purpose), the
// test harness's containers run the same images as compose, the Grafana override touches nothing else,
// and every published port is on 127.0.0.1 by default and can be moved by a variable.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { KAFKA_IMAGE, POSTGRES_IMAGE } from '../../../stack/src/containers.js';
import { loadCompose, parseEnvFile } from '../../validate/src/compose.js';
import { parseDockerfile } from '../../validate/src/dockerfile.js';
import { WITHOUT_GRAFANA } from '../src/compose-stack.js';
import { REPO_ROOT } from '../src/docker.js';

// .env.example leaves the purchase API key empty on purpose (make env generates it).
const envExample = {
  ...parseEnvFile(readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8')),
  PURCHASE_API_KEYS: 'tsk_images-test-key-0123456789',
};
const composeFile = path.join(REPO_ROOT, 'docker-compose.yml');
const services = loadCompose(composeFile, envExample).resolved.services;
const thirdParty = [
  ...new Set(
    Object.values(services)
      .filter((s) => !s.build && s.image && !(s.profiles ?? []).includes('load'))
      .map((s) => s.image!),
  ),
].sort();
const nodeImages = ['purchase', 'store', 'consumer'].map(
  (name) =>
    parseDockerfile(readFileSync(path.join(REPO_ROOT, 'services', name, 'Dockerfile'), 'utf8')).args
      .NODE_IMAGE,
);

function plan(images: readonly string[]): Record<string, string> {
  const out = execFileSync('bash', [path.join(REPO_ROOT, 'deploy/docker/images.sh'), '--plan', ...images], {
    encoding: 'utf8',
  });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => {
        const [image, ...rest] = line.split(' ');
        return [image!, rest.join(' ')];
      }),
  );
}

describe('the images compose runs', () => {
  it('are built from one Node base image, pinned alike in the three Dockerfiles', () => {
    assert.equal(new Set(nodeImages).size, 1, nodeImages.join(', '));
  });

  it('each have a stand-in for where no registry answers, except Grafana (AGPL: never built here)', () => {
    const plans = plan([nodeImages[0]!, ...thirdParty]);
    assert.deepEqual(plans, {
      [nodeImages[0]!]: 'node bookworm',
      'apache/kafka:3.9.1': 'kafka trixie',
      'postgres:17.6-bookworm': 'postgres trixie',
      'prom/prometheus:v3.5.0': 'prometheus sid',
      'nginx:1.28.0-alpine': 'nginx sid',
      'grafana/grafana:12.2.0': 'none',
    });
  });

  it('include the Kafka and PostgreSQL images the test harness starts (STACK_RUNTIME=containers)', () => {
    assert.ok(thirdParty.includes(KAFKA_IMAGE), `${KAFKA_IMAGE} is not in docker-compose.yml`);
    assert.ok(thirdParty.includes(POSTGRES_IMAGE), `${POSTGRES_IMAGE} is not in docker-compose.yml`);
  });
});

describe('deploy/compose/without-grafana.yml', () => {
  it('only moves Grafana behind a profile, changing nothing else', () => {
    const override = parse(readFileSync(path.join(REPO_ROOT, WITHOUT_GRAFANA), 'utf8')) as unknown;
    assert.deepEqual(override, { services: { grafana: { profiles: ['grafana'] } } });
  });
});

describe('published ports', () => {
  it('default to 127.0.0.1 and each host port is a variable (e.g. PROMETHEUS_PORT beside a native Prometheus)', () => {
    const raw = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as {
      services: Record<string, { ports?: string[] }>;
    };
    const ports = Object.values(raw.services).flatMap((s) => s.ports ?? []);
    assert.ok(ports.length >= 4);
    for (const port of ports)
      assert.match(port, /^\$\{PUBLISH_ADDRESS:-127\.0\.0\.1\}:\$\{[A-Z_]+_PORT:-\d+\}:\d+$/, port);
  });

  it('no container asks for an rlimit (above the host hard limit it fails to start with EPERM)', () => {
    for (const [name, service] of Object.entries(services))
      assert.equal((service as { ulimits?: unknown }).ulimits, undefined, `${name} sets ulimits`);
  });
});
