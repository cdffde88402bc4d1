#!/usr/bin/env bash
# Starts a single-node Kubernetes cluster on this machine, in the manner of "Kubernetes the hard way":
# certificates from openssl, Debian's etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet
# on Debian's containerd + runc, kube-proxy (iptables), a bridge CNI, CoreDNS, and hostPath volumes for the
# StatefulSets' claims, metrics-server for the HPAs. Kubernetes, CoreDNS and metrics-server are built from the Go module proxy (cached). Idempotent: a
# component already running is left alone. Run as root. Logs: $STATE_DIR/logs; stop with down.sh.
# Prints the admin kubeconfig's path and each component's start time (seconds until it answered).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "${HERE}/env.sh"

[ "$(id -u)" -eq 0 ] || {
  echo "the local cluster needs root (network interfaces, mounts, containers)" >&2
  exit 1
}
for command in etcd containerd runc iptables conntrack openssl; do
  command -v "${command}" >/dev/null || {
    echo "${command} is missing: apt-get install etcd-server containerd runc containernetworking-plugins iptables conntrack openssl" >&2
    exit 1
  }
done
[ -x /usr/lib/cni/bridge ] || {
  echo "CNI plugins missing: apt-get install containernetworking-plugins" >&2
  exit 1
}

bash "${HERE}/scripts/build-kubernetes.sh" kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl >/dev/null
PAUSE_ARCHIVE="$(bash "${HERE}/scripts/build-pause-image.sh")"
KUBECTL="${K8S_BIN}/kubectl"
PKI="${STATE_DIR}/pki"
mkdir -p "${STATE_DIR}" "${LOG_DIR}" "${PID_DIR}" "${PKI}"
TIMES="${STATE_DIR}/start-times.txt"
: >"${TIMES}"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
running() { [ -f "${PID_DIR}/$1.pid" ] && kill -0 "$(cat "${PID_DIR}/$1.pid")" 2>/dev/null; }
# start NAME COMMAND... : runs COMMAND in its own session, output to $LOG_DIR/NAME.log, pid in $PID_DIR.
start() {
  local name="$1"
  shift
  running "${name}" && return 0
  setsid "$@" >>"${LOG_DIR}/${name}.log" 2>&1 </dev/null &
  echo $! >"${PID_DIR}/${name}.pid"
}
# wait_for NAME SECONDS CHECK... : polls CHECK until it succeeds; records the time since STARTED.
wait_for() {
  local name="$1" limit="$2"
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ! running "${name}"; then
      echo "${name} exited; last lines of ${LOG_DIR}/${name}.log:" >&2
      tail -20 "${LOG_DIR}/${name}.log" >&2
      exit 1
    fi
    if [ "${SECONDS}" -ge "${deadline}" ]; then
      echo "${name} not ready after ${limit}s; see ${LOG_DIR}/${name}.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "${name} $(elapsed "${STARTED}")" | tee -a "${TIMES}"
}

# --- network: the node address on a dummy interface; the whole cluster range never leaves the machine ---
# A bridge without ports stands in for a dummy interface (no dummy module here): its addresses are local.
ip link show "${NODE_INTERFACE}" >/dev/null 2>&1 || ip link add "${NODE_INTERFACE}" type bridge
ip addr replace "${NODE_IP}/32" dev "${NODE_INTERFACE}"
ip link set "${NODE_INTERFACE}" up
ip route replace unreachable "${CLUSTER_RANGE}"
# Service addresses: kube-proxy rewrites them in OUTPUT/PREROUTING; untranslated packets die on the dummy.
ip route replace "${SERVICE_CIDR}" dev "${NODE_INTERFACE}"
for address in "${NODE_IP}" "${KUBERNETES_SERVICE_IP}" "${POD_GATEWAY}"; do
  route="$(ip route get "${address}" 2>&1 || true)"
  case "${route}" in
    "local ${address} dev lo"* | "${address} dev ${NODE_INTERFACE}"* | *"No route to host"* | *unreachable*) ;;
    *)
      echo "refusing to start: ${address} would leave the machine (${route})" >&2
      exit 1
      ;;
  esac
done
sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.route_localnet=1 net.bridge.bridge-nf-call-iptables=1
# Pods may talk to each other, the node and the service range (bridged traffic passes FORWARD, whose
# policy Docker sets to DROP), never beyond the cluster range.
iptables -C FORWARD -s "${POD_CIDR}" ! -d "${CLUSTER_RANGE}" -j DROP 2>/dev/null ||
  iptables -I FORWARD 1 -s "${POD_CIDR}" ! -d "${CLUSTER_RANGE}" -j DROP
iptables -C FORWARD -s "${CLUSTER_RANGE}" -d "${CLUSTER_RANGE}" -j ACCEPT 2>/dev/null ||
  iptables -I FORWARD 2 -s "${CLUSTER_RANGE}" -d "${CLUSTER_RANGE}" -j ACCEPT

# --- certificates and kubeconfigs ---
bash "${HERE}/scripts/certs.sh" "${PKI}" "${NODE_NAME}" "${NODE_IP}" "${KUBERNETES_SERVICE_IP}"
kubeconfig() { # kubeconfig USER -> $PKI/USER.kubeconfig with USER's client certificate
  local file="${PKI}/$1.kubeconfig"
  [ -f "${file}" ] && return 0
  "${KUBECTL}" config set-cluster local --kubeconfig="${file}" --server="https://${NODE_IP}:${API_PORT}" \
    --certificate-authority="${PKI}/ca.crt" --embed-certs >/dev/null
  "${KUBECTL}" config set-credentials "$1" --kubeconfig="${file}" --client-certificate="${PKI}/$1.crt" \
    --client-key="${PKI}/$1.key" --embed-certs >/dev/null
  "${KUBECTL}" config set-context local --kubeconfig="${file}" --cluster=local --user="$1" >/dev/null
  "${KUBECTL}" config use-context local --kubeconfig="${file}" >/dev/null
}
for user in admin kubelet kube-controller-manager kube-scheduler kube-proxy coredns metrics-server; do kubeconfig "${user}"; done
k() { "${KUBECTL}" --kubeconfig="${KUBECONFIG_ADMIN}" "$@"; }

# --- etcd ---
STARTED="$(now)"
start etcd etcd --name=tillstream --data-dir="${STATE_DIR}/etcd" \
  --listen-client-urls="http://127.0.0.1:${ETCD_CLIENT_PORT}" --advertise-client-urls="http://127.0.0.1:${ETCD_CLIENT_PORT}" \
  --listen-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" --initial-advertise-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
  --initial-cluster="tillstream=http://127.0.0.1:${ETCD_PEER_PORT}" --log-level=warn
wait_for etcd 60 curl -fsS "http://127.0.0.1:${ETCD_CLIENT_PORT}/health"

# --- kube-apiserver ---
STARTED="$(now)"
start kube-apiserver "${K8S_BIN}/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:${ETCD_CLIENT_PORT}" \
  --bind-address="${NODE_IP}" --advertise-address="${NODE_IP}" --secure-port="${API_PORT}" \
  --tls-cert-file="${PKI}/kube-apiserver.crt" --tls-private-key-file="${PKI}/kube-apiserver.key" \
  --client-ca-file="${PKI}/ca.crt" \
  --kubelet-client-certificate="${PKI}/apiserver-kubelet-client.crt" \
  --kubelet-client-key="${PKI}/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority="${PKI}/ca.crt" \
  --kubelet-preferred-address-types=InternalIP \
  --authorization-mode=Node,RBAC \
  --service-account-issuer="https://kubernetes.default.svc.${CLUSTER_DOMAIN}" \
  --service-account-key-file="${PKI}/service-account.pub" \
  --service-account-signing-key-file="${PKI}/service-account.key" \
  --service-cluster-ip-range="${SERVICE_CIDR}" \
  --enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass,DefaultTolerationSeconds,ResourceQuota,PodSecurity,NodeRestriction,MutatingAdmissionWebhook,ValidatingAdmissionWebhook \
  --enable-aggregator-routing=true \
  --requestheader-client-ca-file="${PKI}/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="${PKI}/front-proxy-client.crt" --proxy-client-key-file="${PKI}/front-proxy-client.key" \
  --profiling=false --v=1
wait_for kube-apiserver 120 k get --raw=/readyz

# --- controller-manager and scheduler ---
STARTED="$(now)"
start kube-controller-manager "${K8S_BIN}/kube-controller-manager" \
  --kubeconfig="${PKI}/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig="${PKI}/kube-controller-manager.kubeconfig" \
  --authorization-kubeconfig="${PKI}/kube-controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 \
  --cluster-signing-cert-file="${PKI}/ca.crt" --cluster-signing-key-file="${PKI}/ca.key" \
  --root-ca-file="${PKI}/ca.crt" --service-account-private-key-file="${PKI}/service-account.key" \
  --use-service-account-credentials=true --service-cluster-ip-range="${SERVICE_CIDR}" \
  --allocate-node-cidrs=false --leader-elect=false --profiling=false --v=1
wait_for kube-controller-manager 60 curl -fsSk https://127.0.0.1:10257/healthz
STARTED="$(now)"
start kube-scheduler "${K8S_BIN}/kube-scheduler" \
  --kubeconfig="${PKI}/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig="${PKI}/kube-scheduler.kubeconfig" \
  --authorization-kubeconfig="${PKI}/kube-scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false --profiling=false --v=1
wait_for kube-scheduler 60 curl -fsSk https://127.0.0.1:10259/healthz

# --- containerd (its own root, state and socket; Docker's containerd is untouched) + CNI ---
mkdir -p "${STATE_DIR}/cni/net.d" "${RUN_DIR}/containerd" "${STATE_DIR}/certs.d/_default"
printf 'server = "http://127.0.0.1:1"\n' >"${STATE_DIR}/certs.d/_default/hosts.toml"
sed -e "s#@STATE@#${STATE_DIR}#g" -e "s#@RUN@#${RUN_DIR}#g" -e "s#@SANDBOX_IMAGE@#${SANDBOX_IMAGE}#g" \
  "${HERE}/config/containerd.toml" >"${STATE_DIR}/containerd.toml"
sed -e "s#@BRIDGE@#${BRIDGE}#g" -e "s#@POD_CIDR@#${POD_CIDR}#g" -e "s#@POD_GATEWAY@#${POD_GATEWAY}#g" \
  -e "s#@STATE@#${STATE_DIR}#g" "${HERE}/config/cni.conflist" >"${STATE_DIR}/cni/net.d/10-tillstream.conflist"
STARTED="$(now)"
start containerd containerd --config "${STATE_DIR}/containerd.toml"
wait_for containerd 60 ctr --address "${CONTAINERD_SOCKET}" version
ctr --address "${CONTAINERD_SOCKET}" -n k8s.io images import "${PAUSE_ARCHIVE}" >/dev/null

# --- kubelet ---
sed -e "s#@PKI@#${PKI}#g" -e "s#@DNS_IP@#${DNS_IP}#g" -e "s#@DOMAIN@#${CLUSTER_DOMAIN}#g" \
  -e "s#@SOCKET@#${CONTAINERD_SOCKET}#g" -e "s#@NODE_IP@#${NODE_IP}#g" \
  "${HERE}/config/kubelet.yaml" >"${STATE_DIR}/kubelet.yaml"
STARTED="$(now)"
start kubelet "${K8S_BIN}/kubelet" --config="${STATE_DIR}/kubelet.yaml" \
  --kubeconfig="${PKI}/kubelet.kubeconfig" --root-dir="${STATE_DIR}/kubelet" \
  --hostname-override="${NODE_NAME}" --node-ip="${NODE_IP}" --v=1
wait_for kubelet 120 k wait --for=condition=Ready "node/${NODE_NAME}" --timeout=1s

# --- kube-proxy ---
sed -e "s#@PKI@#${PKI}#g" -e "s#@POD_CIDR@#${POD_CIDR}#g" -e "s#@NODE_IP@#${NODE_IP}#g" \
  "${HERE}/config/kube-proxy.yaml" >"${STATE_DIR}/kube-proxy.yaml"
STARTED="$(now)"
start kube-proxy "${K8S_BIN}/kube-proxy" --config="${STATE_DIR}/kube-proxy.yaml" \
  --hostname-override="${NODE_NAME}" --v=1
wait_for kube-proxy 60 curl -fsS http://127.0.0.1:10256/healthz

# --- storage: a default StorageClass whose claims bind to pre-made hostPath volumes ---
bash "${HERE}/scripts/volumes.sh" "${KUBECTL}" "${KUBECONFIG_ADMIN}" "${STATE_DIR}/volumes" "${NODE_NAME}" >/dev/null

# --- cluster DNS: CoreDNS on the node address, answering only for the cluster domain ---
COREDNS="$(bash "${HERE}/scripts/build-coredns.sh")"
k apply --server-side -f "${HERE}/config/coredns-rbac.yaml" >/dev/null
sed -e "s#@DOMAIN@#${CLUSTER_DOMAIN}#g" -e "s#@KUBECONFIG@#${PKI}/coredns.kubeconfig#g" \
  -e "s#@BIND@#${DNS_IP}#g" "${HERE}/config/Corefile" >"${STATE_DIR}/Corefile"
STARTED="$(now)"
start coredns "${COREDNS}" -conf "${STATE_DIR}/Corefile"
wait_for coredns 60 curl -fsS http://127.0.0.1:18181/ready

# --- resource metrics: metrics-server on the node address, the metrics.k8s.io API the HPAs read ---
METRICS_SERVER="$(bash "${HERE}/scripts/build-metrics-server.sh")"
sed -e "s#@NODE_IP@#${NODE_IP}#g" -e "s#'@PORT@'#${METRICS_SERVER_PORT}#g" \
  -e "s#@CA_BUNDLE@#$(base64 -w0 "${PKI}/ca.crt")#g" \
  "${HERE}/config/metrics-server.yaml" >"${STATE_DIR}/metrics-server.yaml"
k apply --server-side -f "${STATE_DIR}/metrics-server.yaml" >/dev/null
STARTED="$(now)"
start metrics-server "${METRICS_SERVER}" \
  --kubeconfig="${PKI}/metrics-server.kubeconfig" \
  --authentication-kubeconfig="${PKI}/metrics-server.kubeconfig" \
  --authorization-kubeconfig="${PKI}/metrics-server.kubeconfig" \
  --bind-address="${NODE_IP}" --secure-port="${METRICS_SERVER_PORT}" \
  --tls-cert-file="${PKI}/metrics-server.crt" --tls-private-key-file="${PKI}/metrics-server.key" \
  --kubelet-certificate-authority="${PKI}/ca.crt" --kubelet-preferred-address-types=InternalIP \
  --metric-resolution=15s --v=1
wait_for metrics-server 120 k get --raw /apis/metrics.k8s.io/v1beta1/nodes

echo "cluster up; export KUBECONFIG=${KUBECONFIG_ADMIN}"
