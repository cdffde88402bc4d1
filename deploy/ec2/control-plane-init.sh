#!/usr/bin/env bash
# Run on the control-plane instance after node-setup.sh finished (sudo bash control-plane-init.sh):
# kubeadm init, kubectl for the ubuntu user, Calico as the CNI (VXLAN, so no EC2 source/destination
# check changes), and the join command for the workers.
set -euo pipefail

POD_CIDR="${POD_CIDR:-192.168.0.0/16}"
CALICO_VERSION="${CALICO_VERSION:-v3.30.3}"

# The API server's certificate must also name the instance's public address, or kubectl from your machine
# (through the security group's 6443 rule) fails the TLS check. IMDSv2: create-cluster.sh requires tokens.
imds_token="$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')"
imds() { curl -fsS -H "X-aws-ec2-metadata-token: ${imds_token}" "http://169.254.169.254/latest/meta-data/$1"; }
PUBLIC_IP="${PUBLIC_IP:-$(imds public-ipv4)}"
PUBLIC_HOSTNAME="${PUBLIC_HOSTNAME:-$(imds public-hostname || true)}"
extra_sans="${PUBLIC_IP}${PUBLIC_HOSTNAME:+,${PUBLIC_HOSTNAME}}"

kubeadm init --pod-network-cidr="${POD_CIDR}" --upload-certs --apiserver-cert-extra-sans="${extra_sans}"

mkdir -p /home/ubuntu/.kube
cp /etc/kubernetes/admin.conf /home/ubuntu/.kube/config
chown -R ubuntu:ubuntu /home/ubuntu/.kube
export KUBECONFIG=/etc/kubernetes/admin.conf

# The operator manifest is too large for client-side apply's annotation; server-side apply has no such limit
# and, unlike `create`, can be re-run.
kubectl apply --server-side -f "https://raw.githubusercontent.com/projectcalico/calico/${CALICO_VERSION}/manifests/tigera-operator.yaml"
# The Installation and APIServer kinds exist only once the operator's CRDs are established; creating them
# earlier fails with "no matches for kind".
kubectl wait --for=condition=Established --timeout=120s \
  crd/installations.operator.tigera.io crd/apiservers.operator.tigera.io
kubectl apply --server-side -f - <<CALICO
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
echo "Copy /etc/kubernetes/admin.conf to your machine and point its server at https://${PUBLIC_IP}:6443"
echo "Run this on every worker (as root):"
kubeadm token create --print-join-command
