#!/usr/bin/env bash
# The local cluster's PKI, generated with openssl into DIR (once; existing files are kept):
# a CA; the API server's serving certificate (node address, the `kubernetes` Service address, loopback and
# the in-cluster names); one client certificate per component, whose CN/O are the user and group the API
# server's RBAC and Node authorizers expect; the kubelet's serving certificate; the service-account keys;
# a second CA for the front proxy (the API server's client certificate towards aggregated APIs, which
# those APIs trust for the user it names) and metrics-server's serving and client certificates.
# Usage: certs.sh DIR NODE_NAME NODE_IP KUBERNETES_SERVICE_IP
set -euo pipefail

DIR="$1"
NODE_NAME="$2"
NODE_IP="$3"
SERVICE_IP="$4"
mkdir -p "${DIR}"
cd "${DIR}"

for authority in ca front-proxy-ca; do
  if [ ! -f "${authority}.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=tillstream-local-${authority}" \
      -keyout "${authority}.key" -out "${authority}.crt" 2>/dev/null
  fi
done

# sign NAME SUBJECT [SUBJECT_ALT_NAMES] -> NAME.key, NAME.crt, signed by $CA (default: ca)
sign() {
  local name="$1" subject="$2" sans="${3:-}" authority="${CA:-ca}"
  [ -f "${name}.crt" ] && return 0
  openssl req -newkey rsa:2048 -nodes -subj "${subject}" -keyout "${name}.key" -out "${name}.csr" 2>/dev/null
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "${sans}" ]; then
      echo "extendedKeyUsage=serverAuth,clientAuth"
      echo "subjectAltName=${sans}"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"${name}.ext"
  openssl x509 -req -in "${name}.csr" -CA "${authority}.crt" -CAkey "${authority}.key" -CAcreateserial -days 30 \
    -extfile "${name}.ext" -out "${name}.crt" 2>/dev/null
  rm -f "${name}.csr" "${name}.ext"
}

sign kube-apiserver "/CN=kube-apiserver" \
  "IP:${NODE_IP},IP:${SERVICE_IP},IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost"
sign kubelet-serving "/CN=${NODE_NAME}" "IP:${NODE_IP},DNS:${NODE_NAME}"
sign admin "/O=system:masters/CN=tillstream-admin"
sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
sign kubelet "/O=system:nodes/CN=system:node:${NODE_NAME}"
sign kube-controller-manager "/CN=system:kube-controller-manager"
sign kube-scheduler "/CN=system:kube-scheduler"
sign kube-proxy "/CN=system:kube-proxy"
sign coredns "/CN=tillstream:coredns"
sign metrics-server "/CN=tillstream:metrics-server" "IP:${NODE_IP},DNS:metrics-server.kube-system.svc"
CA=front-proxy-ca sign front-proxy-client "/CN=front-proxy-client"

if [ ! -f service-account.key ]; then
  openssl genrsa -out service-account.key 2048 2>/dev/null
  openssl rsa -in service-account.key -pubout -out service-account.pub 2>/dev/null
fi
chmod 600 ./*.key
