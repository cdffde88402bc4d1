#!/usr/bin/env bash
# Run on the control-plane instance after node-setup.sh finished (sudo bash control-plane-init.sh):
# kubeadm init, kubectl for the ubuntu user, Calico as the CNI (VXLAN, so no EC2 source/destination
# check changes), and the join command for the workers.
set -euo pipefail

POD_CIDR="${POD_CIDR:-192.168.0.0/16}"
CALICO_VERSION="${CALICO_VERSION:-v3.30.3}"

kubeadm init --pod-network-cidr="${POD_CIDR}" --upload-certs

mkdir -p /home/ubuntu/.kube
cp /etc/kubernetes/admin.conf /home/ubuntu/.kube/config
chown -R ubuntu:ubuntu /home/ubuntu/.kube
export KUBECONFIG=/etc/kubernetes/admin.conf

kubectl create -f "https://raw.githubusercontent.com/projectcalico/calico/${CALICO_VERSION}/manifests/tigera-operator.yaml"
kubectl create -f - <<CALICO
apiVersion: operator.tigera.io/v1
kind: Installation
metadata:
  name: default
spec:
  calicoNetwork:
    ipPools:
      - cidr: ${POD_CIDR}
        encapsulation: VXLAN
        natOutgoing: Enabled
        nodeSelector: all()
---
apiVersion: operator.tigera.io/v1
kind: APIServer
metadata:
  name: default
spec: {}
CALICO

echo
echo "Run this on every worker (as root):"
kubeadm token create --print-join-command
