#!/usr/bin/env bash
# Stops the local cluster started by up.sh and removes its state: the pods (through the kubelet, so the CNI
# releases their addresses), then every process up.sh started (by its pid file), leftover containers and
# their shims, mounts and network namespaces, kube-proxy's iptables rules, the interfaces and routes, and
# the state directories. Safe to run twice, or after a failed up.sh.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "${HERE}/env.sh"
KUBECTL="${K8S_BIN}/kubectl"
CTR=(ctr --address "${CONTAINERD_SOCKET}" -n k8s.io)

running() { [ -f "${PID_DIR}/$1.pid" ] && kill -0 "$(cat "${PID_DIR}/$1.pid")" 2>/dev/null; }
stop() { # stop NAME: SIGTERM, then SIGKILL after 20 s
  local pid
  [ -f "${PID_DIR}/$1.pid" ] || return 0
  pid="$(cat "${PID_DIR}/$1.pid")"
  if kill -0 "${pid}" 2>/dev/null; then
    kill -TERM "${pid}"
    for _ in $(seq 1 40); do
      kill -0 "${pid}" 2>/dev/null || break
      sleep 0.5
    done
    kill -0 "${pid}" 2>/dev/null && kill -KILL "${pid}"
  fi
  rm -f "${PID_DIR}/$1.pid"
}

# 1. Pods away while the control plane and the kubelet still run: the kubelet tears each sandbox down
#    through the CNI. Workload controllers would recreate them, so delete the namespaces' contents first.
if running kube-apiserver && running kubelet; then
  k() { "${KUBECTL}" --kubeconfig="${KUBECONFIG_ADMIN}" --request-timeout=10s "$@"; }
  for namespace in $(k get namespaces -o name 2>/dev/null | sed 's#namespace/##' | grep -vE '^(default|kube-system|kube-public|kube-node-lease)$'); do
    k delete namespace "${namespace}" --wait=false >/dev/null 2>&1
  done
  k delete pods --all --all-namespaces --grace-period=0 --force >/dev/null 2>&1
  for _ in $(seq 1 60); do
    [ -z "$("${CTR[@]}" tasks ls -q 2>/dev/null)" ] && break
    sleep 1
  done
fi

for component in metrics-server kube-proxy kubelet kube-scheduler kube-controller-manager coredns kube-apiserver; do
  stop "${component}"
done

# 2. Whatever containers are left (their network namespaces live under RUN_DIR, unmounted below).
if running containerd; then
  for container in $("${CTR[@]}" containers ls -q 2>/dev/null); do
    "${CTR[@]}" tasks kill -s SIGKILL "${container}" >/dev/null 2>&1
  done
  sleep 1
  for container in $("${CTR[@]}" containers ls -q 2>/dev/null); do
    "${CTR[@]}" tasks delete -f "${container}" >/dev/null 2>&1
    "${CTR[@]}" containers delete "${container}" >/dev/null 2>&1
  done
fi
stop containerd
# Shims of this containerd only (they name its socket on their command line).
for pid in $(pgrep -f -- "containerd-shim-runc-v2 .*-address ${CONTAINERD_SOCKET}"); do kill -KILL "${pid}" 2>/dev/null; done
stop etcd

# 3. Mounts under the state and run directories (pod volumes, snapshots, sandbox shm, network
#    namespaces), deepest first.
findmnt -rn -o TARGET | grep -E "^(${STATE_DIR}|${RUN_DIR})(/|$)" | sort -r | while IFS= read -r target; do
  umount "${target}" 2>/dev/null || umount -l "${target}"
done

# 4. Network: kube-proxy's rules, the pod egress rule, the bridge, the dummy interface, the routes.
[ -x "${K8S_BIN}/kube-proxy" ] && "${K8S_BIN}/kube-proxy" --cleanup >/dev/null 2>&1
iptables -D FORWARD -s "${POD_CIDR}" ! -d "${CLUSTER_RANGE}" -j DROP 2>/dev/null
iptables -D FORWARD -s "${CLUSTER_RANGE}" -d "${CLUSTER_RANGE}" -j ACCEPT 2>/dev/null
# The kubelet's own chains (kube-proxy --cleanup leaves them): its localnet firewall and canaries.
for tool in iptables ip6tables; do
  while "${tool}" -D INPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
  while "${tool}" -D OUTPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
  for table_chain in filter:KUBE-FIREWALL filter:KUBE-KUBELET-CANARY nat:KUBE-KUBELET-CANARY \
    mangle:KUBE-KUBELET-CANARY mangle:KUBE-IPTABLES-HINT; do
    "${tool}" -t "${table_chain%%:*}" -F "${table_chain#*:}" 2>/dev/null
    "${tool}" -t "${table_chain%%:*}" -X "${table_chain#*:}" 2>/dev/null
  done
done
for veth in $(ip -o link show master "${BRIDGE}" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
  ip link del "${veth}" 2>/dev/null
done
ip link del "${BRIDGE}" 2>/dev/null
ip route del "${SERVICE_CIDR}" dev "${NODE_INTERFACE}" 2>/dev/null
ip link del "${NODE_INTERFACE}" 2>/dev/null
ip route del unreachable "${CLUSTER_RANGE}" 2>/dev/null

rm -rf "${STATE_DIR}" "${RUN_DIR}"
echo "cluster down"
