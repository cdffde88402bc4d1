#!/usr/bin/env bash
# Puts tillstream on the local cluster: imports every image k8s/overlays/local names from the Docker
# engine (`make images` builds them; nothing is pulled) into containerd's k8s.io namespace, applies the
# overlay with deploy/ec2/apply.sh (server-side, setup Jobs re-run), and waits until both setup Jobs
# complete and every Deployment and StatefulSet is rolled out. Prints the seconds each stage took.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "${HERE}/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "${HERE}/env.sh"
KUBECTL="${K8S_BIN}/kubectl"
OVERLAY="${OVERLAY:-${REPO}/k8s/overlays/local}"
TIMEOUT="${K8S_LOCAL_ROLLOUT_TIMEOUT:-900s}"
export KUBECONFIG="${KUBECONFIG_ADMIN}"
CTR=(ctr --address "${CONTAINERD_SOCKET}" -n k8s.io)
began="${SECONDS}"
TIMES="${STATE_DIR}/deploy-times.txt"
: >"${TIMES}"

# The images of every workload but the suspended k6 CronJob (runs are created by hand; k6 is not built here).
mapfile -t images < <("${KUBECTL}" kustomize "${OVERLAY}" |
  awk '/^kind: / { kind = $2 } kind != "CronJob" && /^ *image: / { print $2 }' | tr -d "'\"" | sort -u)
missing=()
for image in "${images[@]}"; do docker image inspect "${image}" >/dev/null 2>&1 || missing+=("${image}"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "not in the Docker engine (run make images): ${missing[*]}" >&2
  exit 1
fi
# An image is imported again only when the engine's copy changed since this cluster imported it.
mkdir -p "${STATE_DIR}/imported"
for image in "${images[@]}"; do
  id="$(docker image inspect --format '{{.Id}}' "${image}")"
  stamp="${STATE_DIR}/imported/$(echo "${image}" | tr '/:' '__')"
  [ "$(cat "${stamp}" 2>/dev/null)" = "${id}" ] && continue
  docker save "${image}" | "${CTR[@]}" images import - >/dev/null
  echo "${id}" >"${stamp}"
done
echo "images $((SECONDS - began))" | tee -a "${TIMES}"

# The purchase API key: generated once into the Secret purchase-api-keys (never into a committed file)
# and kept across deploys. Read it with:
#   kubectl -n tillstream get secret purchase-api-keys -o jsonpath='{.data.keys}' | base64 -d
"${KUBECTL}" get namespace tillstream >/dev/null 2>&1 || "${KUBECTL}" create namespace tillstream >/dev/null
if ! "${KUBECTL}" -n tillstream get secret purchase-api-keys >/dev/null 2>&1; then
  key="tsk_$(head -c 32 /dev/urandom | base64 -w 0 | tr '+/' '-_' | tr -d '=')"
  "${KUBECTL}" -n tillstream create secret generic purchase-api-keys --from-literal=keys="${key}" >/dev/null
  echo "generated the Secret purchase-api-keys"
fi

began="${SECONDS}"
KUBECTL="${KUBECTL}" bash "${REPO}/deploy/ec2/apply.sh" "${OVERLAY}" >/dev/null
"${KUBECTL}" -n tillstream wait --for=condition=Complete job/kafka-topics job/migrate --timeout="${TIMEOUT}"
echo "setup-jobs $((SECONDS - began))" | tee -a "${TIMES}"
for workload in $("${KUBECTL}" -n tillstream get deployments,statefulsets -o name); do
  "${KUBECTL}" -n tillstream rollout status "${workload}" --timeout="${TIMEOUT}" >/dev/null
done
echo "rollout $((SECONDS - began))" | tee -a "${TIMES}"
