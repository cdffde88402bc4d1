#!/usr/bin/env bash
# Settings of the local single-node cluster, shared by its scripts (sourced). Override any of them in the
# environment. Every address lives on the dummy interface the cluster creates, on the bridge its CNI
# creates, or in the service range kube-proxy translates; an `unreachable` route for CLUSTER_RANGE keeps any
# other address of the range from leaving through the default route.
# shellcheck disable=SC2034 # used by the scripts that source this file

KUBERNETES_VERSION="${KUBERNETES_VERSION:-v1.34.4}"
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
K8S_BIN="${CACHE_DIR}/kubernetes-${KUBERNETES_VERSION}/bin"
STATE_DIR="${K8S_LOCAL_STATE_DIR:-/var/lib/tillstream-k8s}"
RUN_DIR="${K8S_LOCAL_RUN_DIR:-/run/tillstream-k8s}"

NODE_NAME="${K8S_LOCAL_NODE_NAME:-tillstream-node}"
NODE_INTERFACE="${K8S_LOCAL_INTERFACE:-tstream0}"
BRIDGE="${K8S_LOCAL_BRIDGE:-tstream-br0}"
CLUSTER_RANGE="10.213.0.0/16"
NODE_IP="10.213.0.10"
# Unused by any other CNI configuration here (podman's default is 10.88.0.0/16, docker's 172.17.0.0/16).
POD_CIDR="10.213.1.0/24"
POD_GATEWAY="10.213.1.1"
SERVICE_CIDR="10.213.128.0/24"
KUBERNETES_SERVICE_IP="10.213.128.1"
CLUSTER_DOMAIN="cluster.local"
# The cluster DNS: CoreDNS on the node address (pods reach it through their gateway).
DNS_IP="${NODE_IP}"

API_PORT=6443
METRICS_SERVER_PORT=4443
ETCD_CLIENT_PORT="${K8S_LOCAL_ETCD_CLIENT_PORT:-12379}"
ETCD_PEER_PORT="${K8S_LOCAL_ETCD_PEER_PORT:-12380}"
SANDBOX_IMAGE="tillstream.local/pause:1"
CONTAINERD_SOCKET="${RUN_DIR}/containerd/containerd.sock"
KUBECONFIG_ADMIN="${STATE_DIR}/pki/admin.kubeconfig"
LOG_DIR="${STATE_DIR}/logs"
PID_DIR="${RUN_DIR}/pids"
