#!/usr/bin/env bash
# `make k8s-test`: the load runner's short profile against the local cluster's NodePorts
# (127.0.0.1:30080 purchase, :30081 store) while, one at a time, a Kafka pod, a consumer pod and a purchase
# pod are force-deleted and the purchase Deployment is restarted; then the runner's ledger check: every
# acknowledged purchase exactly once on its shard and in the Store API's answers. The shards and the
# consumer's metrics are read at their pod and Service addresses on the cluster's bridge (checked with
# `ip route get` first). The purchase HPA must have the Deployment above its minimum, on the CPU
# metrics-server reports, at some point while the load runs. Records under results/k8s/<run>/: the runner's summary plus k8s.json (the
# cluster's start times, each fault with the seconds until the workload was whole again, the HPA's samples).
# Needs the cluster (up.sh) with tillstream deployed (deploy.sh), and the load runner built (make build).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "${HERE}/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "${HERE}/env.sh"
export KUBECONFIG="${KUBECONFIG_ADMIN}"
K="${K8S_BIN}/kubectl"
NS=tillstream
cd "${REPO}"

jsonpath() { "${K}" -n "${NS}" get "$1" -o "jsonpath=$2"; }
secret_value() { jsonpath "secret/$1" "{.data.$2}" | base64 -d; }
on_cluster_network() { # the address is on the cluster's bridge or interface, never the default route
  local route
  route="$(ip route get "$1")"
  case "${route}" in
    *" dev ${BRIDGE} "* | *" dev ${NODE_INTERFACE} "*) ;;
    *)
      echo "refusing: $1 is not on the cluster network (${route})" >&2
      exit 1
      ;;
  esac
}

key_secret="$(jsonpath deployment/purchase '{.spec.template.spec.containers[0].env[?(@.name=="PURCHASE_API_KEYS")].valueFrom.secretKeyRef.name}')"
credentials="$(jsonpath deployment/store '{.spec.template.spec.containers[0].env[?(@.name=="SHARD_URLS")].valueFrom.secretKeyRef.name}')"
user="$(secret_value "${credentials}" username)"
password="$(secret_value "${credentials}" password)"
shard_urls=""
for i in 0 1 2 3; do
  ip="$(jsonpath "pod/shard-${i}-0" '{.status.podIP}')"
  on_cluster_network "${ip}"
  shard_urls="${shard_urls:+${shard_urls},}postgres://${user}:${password}@${ip}:5432/tillstream"
done
consumer_ip="$(jsonpath service/consumer '{.spec.clusterIP}')"
on_cluster_network "${consumer_ip}"

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT
FAULTS="${WORK}/faults.jsonl"
: >"${FAULTS}"

# ready_after NAME SECONDS CHECK... : polls CHECK; prints the seconds it took.
ready_after() {
  local began="${SECONDS}" limit="$2"
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ $((SECONDS - began)) -lt "${limit}" ] || return 1
    sleep 1
  done
  echo $((SECONDS - began))
}
# shellcheck disable=SC2317 # called through ready_after
deployment_whole() { # all desired replicas updated and ready
  local want ready updated
  want="$(jsonpath "deployment/$1" '{.spec.replicas}')"
  ready="$(jsonpath "deployment/$1" '{.status.readyReplicas}')"
  updated="$(jsonpath "deployment/$1" '{.status.updatedReplicas}')"
  [ "${ready:-0}" = "${want}" ] && [ "${updated:-0}" = "${want}" ] &&
    [ "$(jsonpath "deployment/$1" '{.status.replicas}')" = "${want}" ]
}
# shellcheck disable=SC2317 # called through ready_after
pod_ready() { [ "$(jsonpath "pod/$1" '{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
record() { # record FAULT TARGET INJECTED_AT SECONDS_TO_RECOVER LOAD_RUNNING
  printf '{"fault":"%s","target":"%s","injectedAt":"%s","recoveredAfterSeconds":%s,"underLoad":%s}\n' \
    "$1" "$2" "$3" "$4" "$5" | tee -a "${FAULTS}"
}
now() { date -u +%FT%TZ; }

# The load: the demo's short profile unless overridden (STORES, PURCHASES_PER_HOUR, … pass through).
export PURCHASE_URL=http://127.0.0.1:30080 STORE_URL=http://127.0.0.1:30081
export API_KEY
API_KEY="$(secret_value "${key_secret}" keys)"
export SHARD_URLS="${shard_urls}" CONSUMER_METRICS_URL="http://${consumer_ip}:8082/metrics"
export STORES="${STORES:-256}" PURCHASES_PER_HOUR="${PURCHASES_PER_HOUR:-20}"
export RESULTS_DIR="${RESULTS_DIR:-results/k8s}" SCENARIO="${SCENARIO:-k8s-faults}" ALLOW_DIRTY="${ALLOW_DIRTY:-1}"
export KAFKA_PARTITIONS=12
touch "${WORK}/load-started" # the run directory the runner creates is newer than this
node loadtest/dist/cli.js >"${WORK}/load.log" 2>&1 &
load_pid=$!
loading() { kill -0 "${load_pid}" 2>/dev/null && echo true || echo false; }

# The purchase HPA under load, every 5 s while the load runs: CPU utilisation (of the pods' requests) as
# metrics-server reports it, and the replicas the HPA wants and has.
HPA_SAMPLES="${WORK}/hpa.jsonl"
: >"${HPA_SAMPLES}"
(
  while kill -0 "${load_pid}" 2>/dev/null; do
    sample="$(jsonpath hpa/purchase '{.status.currentMetrics[0].resource.current.averageUtilization} {.status.desiredReplicas} {.status.currentReplicas}' 2>/dev/null || true)"
    read -r utilisation desired current <<<"${sample}"
    printf '{"at":"%s","cpuUtilisationPercent":%s,"desiredReplicas":%s,"currentReplicas":%s}\n' \
      "$(date -u +%FT%TZ)" "${utilisation:-null}" "${desired:-null}" "${current:-null}" >>"${HPA_SAMPLES}"
    sleep 5
  done
) &
hpa_pid=$!

sleep "${FAULT_START_SECONDS:-20}"
under="$(loading)"
at="$(now)"
"${K}" -n "${NS}" delete pod kafka-1 --grace-period=0 --force >/dev/null 2>&1
sleep 2
record force-delete-pod kafka-1 "${at}" "$(ready_after kafka 600 pod_ready kafka-1 || echo null)" "${under}"

for app in consumer purchase; do
  victim="$("${K}" -n "${NS}" get pods -l "app.kubernetes.io/name=${app}" -o jsonpath='{.items[0].metadata.name}')"
  under="$(loading)"
  at="$(now)"
  "${K}" -n "${NS}" delete pod "${victim}" --grace-period=0 --force >/dev/null 2>&1
  sleep 2
  record force-delete-pod "${victim}" "${at}" "$(ready_after "${app}" 600 deployment_whole "${app}" || echo null)" "${under}"
done

under="$(loading)"
at="$(now)"
"${K}" -n "${NS}" rollout restart deployment/purchase >/dev/null
sleep 2
record rollout-restart deployment/purchase "${at}" "$(ready_after purchase 600 deployment_whole purchase || echo null)" "${under}"

status=0
wait "${load_pid}" || status=$?
wait "${hpa_pid}" || true
cat "${WORK}/load.log"

# The HPA must have read the pods' CPU and scaled the Deployment above its minimum under the load.
min_replicas="$(jsonpath hpa/purchase '{.spec.minReplicas}')"
max_seen="$(sed -n 's/.*"currentReplicas":\([0-9][0-9]*\).*/\1/p' "${HPA_SAMPLES}" | sort -n | tail -1)"
max_seen="${max_seen:-0}"
echo "purchase HPA: min ${min_replicas} replicas, at most ${max_seen} under load"
if [ "${max_seen}" -le "${min_replicas}" ]; then
  echo "the purchase HPA did not scale above ${min_replicas} replicas under load (samples: ${HPA_SAMPLES})" >&2
  [ "${status}" -ne 0 ] || status=1
fi

run_dir="$(find "${RESULTS_DIR}" -mindepth 1 -maxdepth 1 -type d -newer "${WORK}/load-started" | head -1)"
if [ -n "${run_dir}" ]; then
  {
    printf '{\n  "recordedAt": "%s",\n  "command": "make k8s-test",\n' "${STAMP}"
    printf '  "kubernetes": "%s",\n  "componentStartSeconds": {' "${KUBERNETES_VERSION}"
    awk 'BEGIN { sep = "" } { printf "%s\"%s\": %s", sep, $1, $2; sep = ", " }' "${STATE_DIR}/start-times.txt"
    printf '},\n  "deploySeconds": {'
    awk 'BEGIN { sep = "" } { printf "%s\"%s\": %s", sep, $1, $2; sep = ", " }' "${STATE_DIR}/deploy-times.txt" 2>/dev/null || true
    printf '},\n  "faults": [\n'
    sed '$!s/$/,/; s/^/    /' "${FAULTS}"
    printf '  ],\n  "hpa": {"target": "deployment/purchase", "minReplicas": %s, "samples": [\n' "${min_replicas}"
    sed '$!s/$/,/; s/^/    /' "${HPA_SAMPLES}"
    printf '  ]},\n  "loadExitCode": %s\n}\n' "${status}"
  } >"${run_dir}/k8s.json"
  node "${HERE}/scripts/summarize-run.mjs" "${run_dir}"
  npx prettier --write "${run_dir}/README.md" "${run_dir}/k8s.json" >/dev/null
fi
exit "${status}"
