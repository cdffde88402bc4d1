import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { loadCompose, parseEnvFile, serviceEnvironment, type ComposeDocument } from '../src/compose.js';
import {
  composeCrossCheckErrors,
  composeSchemaErrors,
  type ComposeExpectations,
} from '../src/compose-checks.js';
import { REPO_ROOT } from '../src/paths.js';
import { probeServiceConfig } from '../src/service-config.js';
import { nativeServiceVariables, nativeTopology } from '../src/topology.js';

const composeFile = path.join(REPO_ROOT, 'docker-compose.yml');
const envExample = parseEnvFile(readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8'));
// What `make env` makes of .env.example: the same, with a generated purchase API key.
const GENERATED_KEY = 'tsk_generated-by-make-env-0123456789';
const envFile = { ...envExample, PURCHASE_API_KEYS: GENERATED_KEY };

let expectations: ComposeExpectations;
before(async () => {
  const configs: Record<string, Awaited<ReturnType<typeof probeServiceConfig>>> = {};
  for (const name of ['purchase', 'store', 'consumer']) {
    configs[name] = await probeServiceConfig(name);
    if (!configs[name])
      console.log(`# services/${name}/src/config.ts does not exist yet: its env is not checked`);
  }
  expectations = {
    topology: nativeTopology(),
    publishedPorts: { gateway: [8080, 8081], prometheus: [9090], grafana: [3000] },
    configs,
    nativeVariables: nativeServiceVariables(),
  };
});

const resolved = () => structuredClone(loadCompose(composeFile, envFile).resolved);

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    assert.deepEqual(composeSchemaErrors(resolved()), []);
  });

  it('passes every cross-check (builds, healthchecks, ports, volumes, topology, service env)', () => {
    assert.deepEqual(composeCrossCheckErrors(resolved(), expectations), []);
  });

  it('refers only to variables that .env.example documents', () => {
    const { variables } = loadCompose(composeFile, envFile);
    const undocumented = [...variables].filter((v) => !(v in envExample));
    assert.deepEqual(undocumented, []);
  });

  it('keeps secrets out of the file: the passwords have no default and must come from .env', () => {
    const withoutSecrets = { ...envFile, POSTGRES_PASSWORD: undefined };
    assert.throws(() => loadCompose(composeFile, withoutSecrets), /POSTGRES_PASSWORD/);
    const withoutGrafana = { ...envFile, GRAFANA_ADMIN_PASSWORD: undefined };
    assert.throws(() => loadCompose(composeFile, withoutGrafana), /GRAFANA_ADMIN_PASSWORD/);
  });

  it('authenticates writes: the API key comes from .env only, and the purchase service and k6 get it', () => {
    assert.equal(envExample.PURCHASE_API_KEYS, '', '.env.example holds no key');
    assert.equal(envExample.PURCHASE_AUTH, 'on');
    assert.throws(() => loadCompose(composeFile, envExample), /PURCHASE_API_KEYS.*make env/);
    const doc = resolved();
    const purchase = serviceEnvironment(doc.services.purchase!);
    assert.equal(purchase.PURCHASE_API_KEYS, GENERATED_KEY);
    assert.equal(purchase.PURCHASE_AUTH, 'on');
    assert.equal(serviceEnvironment(doc.services.k6!).API_KEY, GENERATED_KEY);
    const off = loadCompose(composeFile, { ...envFile, PURCHASE_AUTH: 'off' }).resolved;
    assert.equal(serviceEnvironment(off.services.purchase!).PURCHASE_AUTH, 'off');
  });

  it('keeps .env out of git', () => {
    const ignored = spawnSync('git', ['check-ignore', '-q', '.env'], { cwd: REPO_ROOT });
    assert.equal(ignored.status, 0, '.env is not git-ignored');
  });

  it('runs 3 Kafka nodes, 4 shards, 2 purchase and 2 store replicas behind the gateway', () => {
    const doc = resolved();
    assert.deepEqual(
      Object.keys(doc.services).filter((n) => /^(kafka|shard)-\d$/.test(n)),
      ['kafka-1', 'kafka-2', 'kafka-3', 'shard-0', 'shard-1', 'shard-2', 'shard-3'],
    );
    assert.equal(Number(doc.services.purchase!.deploy!.replicas), 2);
    assert.equal(Number(doc.services.store!.deploy!.replicas), 2);
    assert.deepEqual(doc.services.k6!.profiles, ['load']);
  });
});

describe('the compose checks catch', () => {
  const errorsAfter = (mutate: (doc: ComposeDocument) => void) => {
    const doc = resolved();
    mutate(doc);
    return [...composeSchemaErrors(doc), ...composeCrossCheckErrors(doc, expectations)].join('\n');
  };

  it('an attribute the Compose Specification does not know', () => {
    assert.match(
      errorsAfter((d) => (d.services.purchase!.helthcheck = {})),
      /must NOT have unevaluated properties/,
    );
  });
  it('a published Kafka or shard port', () => {
    assert.match(
      errorsAfter((d) => (d.services['shard-0']!.ports = ['5432:5432'])),
      /shard-0: publishes port 5432/,
    );
  });
  it('a long-running service without a healthcheck', () => {
    assert.match(
      errorsAfter((d) => delete d.services['kafka-2']!.healthcheck),
      /kafka-2: long-running service/,
    );
  });
  it('a dependency that is not health-gated', () => {
    assert.match(
      errorsAfter((d) => (d.services.gateway!.depends_on = ['purchase'])),
      /gateway: depends on purchase without a health/,
    );
  });
  it('a partition count that differs from the native stack', () => {
    assert.match(
      errorsAfter(
        (d) =>
          (d.services['kafka-topics']!.environment = {
            ...(d.services['kafka-topics']!.environment as object),
            KAFKA_PARTITIONS: '6',
          }),
      ),
      /kafka-topics: KAFKA_PARTITIONS=6, the native stack uses 12/,
    );
  });
  it('a purchase service without an API key', () => {
    assert.match(
      errorsAfter(
        (d) => delete (d.services.purchase!.environment as Record<string, string>).PURCHASE_API_KEYS,
      ),
      /purchase: required PURCHASE_API_KEYS is not set/,
    );
  });
  it('shard URLs out of order', () => {
    assert.match(
      errorsAfter((d) => {
        const env = d.services.store!.environment as Record<string, string>;
        env.SHARD_URLS = env.SHARD_URLS!.split(',').reverse().join(',');
      }),
      /store: SHARD_URLS hosts shard-3,shard-2,shard-1,shard-0 are not the shards in order/,
    );
  });
  it('more consumers than partitions', () => {
    assert.match(
      errorsAfter((d) => (d.services.consumer!.deploy = { replicas: 13 })),
      /consumer: 13 replicas/,
    );
  });
  it('a missing build context or bind mount', () => {
    const text = errorsAfter((d) => {
      d.services.store!.build = { context: '.', dockerfile: 'services/nope/Dockerfile' };
      d.services.gateway!.volumes = ['./deploy/compose/missing.conf:/etc/nginx/nginx.conf:ro'];
    });
    assert.match(text, /store: Dockerfile services\/nope\/Dockerfile does not exist/);
    assert.match(text, /gateway: bind mount .\/deploy\/compose\/missing.conf does not exist/);
  });
  it('an env var the service config does not read, and a value it rejects', (t) => {
    if (!expectations.configs.store) return t.skip('services/store/src/config.ts does not exist yet');
    const text = errorsAfter((d) => {
      const env = d.services.store!.environment as Record<string, string>;
      env.STORE_CACHE_TTL = '5';
      env.STORE_WORKERS = 'many';
    });
    assert.match(text, /store: sets STORE_CACHE_TTL, which .* does not read/);
    assert.match(text, /store: the service's config rejects this environment:[\s\S]*STORE_WORKERS/);
  });
  it('a required env var that is not set', (t) => {
    if (!expectations.configs.consumer) return t.skip('services/consumer/src/config.ts does not exist yet');
    const text = errorsAfter(
      (d) => delete (d.services.consumer!.environment as Record<string, string>).KAFKA_BROKERS,
    );
    // Required in the default mode (kafka-sharded): the config refuses the environment, naming it.
    assert.match(text, /consumer: the service's config rejects this environment:[\s\S]*KAFKA_BROKERS/);
    assert.match(text, /consumer: KAFKA_BROKERS is set by the native stack but not here/);
  });
});
