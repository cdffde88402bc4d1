#!/usr/bin/env bash
# Creates the Secrets the ec2 overlay expects and never commits: shard-credentials (PostgreSQL user,
# password, and the ordered shard URLs the services read as SHARD_URLS), grafana-admin, and
# purchase-api-keys (the bearer key purchase writes need, PURCHASE_API_KEYS). Random
# passwords; run once before the first `kubectl apply -k k8s/overlays/ec2`. Re-running keeps existing ones.
set -euo pipefail

NAMESPACE="${NAMESPACE:-tillstream}"
SHARD_COUNT="${SHARD_COUNT:-4}"
DB_USER="${DB_USER:-tillstream}"
DB_NAME="${DB_NAME:-tillstream}"

random() { openssl rand -hex 24; }

kubectl get namespace "${NAMESPACE}" >/dev/null 2>&1 || kubectl create namespace "${NAMESPACE}"

if ! kubectl -n "${NAMESPACE}" get secret shard-credentials >/dev/null 2>&1; then
  password="$(random)"
  urls=""
  for ((i = 0; i < SHARD_COUNT; i++)); do
    urls="${urls:+${urls},}postgres://${DB_USER}:${password}@shard-${i}:5432/${DB_NAME}"
  done
  kubectl -n "${NAMESPACE}" create secret generic shard-credentials \
    --from-literal=username="${DB_USER}" --from-literal=password="${password}" --from-literal=shard-urls="${urls}"
  echo "created secret shard-credentials (${SHARD_COUNT} shards)"
else
  echo "secret shard-credentials exists; left unchanged"
fi

if ! kubectl -n "${NAMESPACE}" get secret grafana-admin >/dev/null 2>&1; then
  kubectl -n "${NAMESPACE}" create secret generic grafana-admin \
    --from-literal=username=admin --from-literal=password="$(random)"
  echo "created secret grafana-admin (read it with: kubectl -n ${NAMESPACE} get secret grafana-admin -o jsonpath='{.data.password}' | base64 -d)"
else
  echo "secret grafana-admin exists; left unchanged"
fi

if ! kubectl -n "${NAMESPACE}" get secret purchase-api-keys >/dev/null 2>&1; then
  kubectl -n "${NAMESPACE}" create secret generic purchase-api-keys --from-literal=keys="$(random)"
  echo "created secret purchase-api-keys (clients send it as Authorization: Bearer <key>; read it with: kubectl -n ${NAMESPACE} get secret purchase-api-keys -o jsonpath='{.data.keys}' | base64 -d)"
else
  echo "secret purchase-api-keys exists; left unchanged"
fi
