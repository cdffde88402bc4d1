# tillstream — the two commands of the quickstart are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPM := npm --silent
STACK := node stack/dist/cli.js

.PHONY: help prerequisites prerequisites-demo prerequisites-test prerequisites-k8s fresh-check install build up down status clean demo test test-unit test-int test-e2e test-containers bench experiment compare profile chaos k6 images compose-up compose-down compose-test

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

# What each target needs from the machine (scripts/prerequisites.json): checked first; as root on Debian the
# missing packages are installed, otherwise one message names them all.
prerequisites: prerequisites-demo prerequisites-test prerequisites-k8s ## Check (as root: install) every tool `make demo` and `make test` need

prerequisites-demo:
	@node scripts/prerequisites.mjs demo

prerequisites-test:
	@node scripts/prerequisites.mjs test

prerequisites-k8s:
	@node scripts/prerequisites.mjs k8s

fresh-check: ## The README's two commands in a clean Debian container with only git, make and Node → results/fresh-check/
	bash scripts/fresh-check.sh

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json ## npm ci when the lockfile changed

build: install ## Compile every workspace (tsc -b)
	npx tsc -b

up: build ## Start Kafka, the shards, the services (and Prometheus) natively; idempotent
	$(STACK) up

status: ## What runs, on which ports
	@$(STACK) status

down: ## Stop exactly what `up` started
	@if [ -f stack/dist/cli.js ]; then $(STACK) down; fi

clean: ## Stop and delete all stack data
	@if [ -f stack/dist/cli.js ]; then $(STACK) clean; else rm -rf .stack; fi

demo: prerequisites-demo ## The main job: stack up, a short phased CS6650 run, drain, ledger == shards check, results/ (KEEP=1 keeps the stack)
	node scripts/demo.mjs

experiment: build ## Full CS6650 profile at CLIENTS=256,512,1024 → results/<date>-full-<n>/ and results/README.md
	node loadtest/dist/experiment.js

compare: build ## Baselines: MODES=kafka-sharded,sync-db,rabbitmq × CLIENTS × REPETITIONS (3), each mode on its own stack → results/compare/
	node loadtest/dist/compare.js

profile: build ## Where the CPU goes: one run (CLIENTS=512) on a private stack under --cpu-prof → results/profile/
	node loadtest/dist/profile.js

chaos: build ## Fault tolerance under load on private stacks (SCENARIOS=kill,netcut,shard,skew,slow) → results/chaos/
	node chaos/dist/cli.js

k6: ## The k6 script with your own k6 (on PATH or K6_BIN) against the stack (PROMETHEUS_RW=1 streams to Prometheus)
	bash loadtest/k6/run.sh

.PHONY: env
env: ## .env for docker compose: from .env.example when absent, with a generated purchase API key (mode 0600)
	bash deploy/compose/env.sh

bench: build ## Benchmarks: purchase vs bare express, consumer drain vs raw insert, store read latency → results/bench/
	node loadtest/dist/bench/purchase.js
	node loadtest/dist/bench/consumer.js
	node loadtest/dist/bench/store-latency.js

# --- Kubernetes on this machine (deploy/k8s-local, as root): one node built from the Go module proxy ---
.PHONY: k8s-up k8s-down k8s-test

k8s-up: prerequisites-k8s ## Single-node Kubernetes here (etcd, control plane, kubelet, CoreDNS), `make images` imported, k8s/overlays/local applied
	bash deploy/k8s-local/up.sh
	bash deploy/k8s-local/deploy.sh

k8s-down: ## Stop the local Kubernetes cluster: every process, mount, rule and interface it made, and its state
	bash deploy/k8s-local/down.sh

k8s-test: build ## Load through the NodePorts while pods are killed and purchase restarted, ledger check → results/k8s/
	bash deploy/k8s-local/test.sh

# --- containers (docs/deploy-compose.md): a Docker engine first, `bash deploy/docker/engine.sh start` ---
TSX := node --conditions=tillstream-source --import tsx

images: build ## Every image docker-compose.yml runs, built here (stand-ins for images no registry serves)
	bash deploy/docker/images.sh

compose-up: images env ## docker compose up --wait: purchase API 127.0.0.1:8080, store API 127.0.0.1:8081, Prometheus :9090
	$(TSX) deploy/compose/src/cli.ts up

compose-down: ## Remove the compose stack: containers, networks and volumes
	$(TSX) deploy/compose/src/cli.ts down

compose-test: images ## Compose under load, kills, Prometheus targets; beside the native stack → results/compose/
	$(TSX) deploy/compose/src/cli.ts test

test-containers: build ## The container tier alone: images, compose tier, Testcontainers suites (CONTAINERS=auto|1|0)
	bash deploy/docker/test-tier.sh

test-unit: install ## Unit tests (no services needed)
	node scripts/run-tests.mjs unit

test-int: prerequisites-test build ## Integration tests against the real Kafka and shards (starts the stack if needed)
	STACK_SERVICES=false $(STACK) up >/dev/null
	node scripts/run-tests.mjs int

test-e2e: prerequisites-test build ## End-to-end tests of the whole pipeline
	STACK_SERVICES=false $(STACK) up >/dev/null
	node scripts/run-tests.mjs e2e

test: prerequisites-test build ## Everything CI runs: lint, unit, integration, end-to-end and the container tier (a Docker engine is started when none answers; CONTAINERS=0 skips the tier)
	npx eslint . --max-warnings=0
	npx prettier --check . >/dev/null
	node scripts/run-tests.mjs unit
	@started=0; if ! $(STACK) status >/dev/null 2>&1; then started=1; STACK_SERVICES=false $(STACK) up >/dev/null; fi; \
	  rc=0; node scripts/run-tests.mjs int || rc=$$?; \
	  if [ $$rc -eq 0 ]; then node scripts/run-tests.mjs e2e || rc=$$?; fi; \
	  if [ $$started -eq 1 ]; then $(STACK) down >/dev/null; fi; exit $$rc
	@if [ "$${CONTAINERS:-1}" = 0 ]; then bash deploy/docker/test-tier.sh; exit 0; fi; \
	  bash deploy/docker/engine.sh start; rc=0; CONTAINERS=1 bash deploy/docker/test-tier.sh || rc=$$?; \
	  bash deploy/docker/engine.sh stop; exit $$rc
