#!/usr/bin/env bash
# EC2 user-data for every node (control plane and workers): containerd, kubelet, kubeadm and kubectl from
# pkgs.k8s.io (pinned minor), the kernel settings Kubernetes needs, and the kubelet's ECR credential
# provider so nodes pull tillstream's images from ECR with their instance role. Runs once, as root, at
# first boot (pass it with `aws ec2 run-instances --user-data file://deploy/ec2/node-setup.sh`).
set -euo pipefail

KUBERNETES_MINOR="${KUBERNETES_MINOR:-v1.34}"
ECR_CREDENTIAL_PROVIDER_VERSION="${ECR_CREDENTIAL_PROVIDER_VERSION:-v1.31.0}"
export DEBIAN_FRONTEND=noninteractive

# Kernel: bridged traffic through iptables, forwarding on, no swap.
cat >/etc/modules-load.d/k8s.conf <<'MODULES'
overlay
br_netfilter
MODULES
modprobe overlay
modprobe br_netfilter
cat >/etc/sysctl.d/99-kubernetes.conf <<'SYSCTL'
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward = 1
SYSCTL
sysctl --system >/dev/null
swapoff -a
sed -i '/\sswap\s/d' /etc/fstab

# containerd with the systemd cgroup driver (what kubeadm configures the kubelet for).
apt-get update -qq
apt-get install -y -qq containerd apt-transport-https ca-certificates curl gpg
mkdir -p /etc/containerd
containerd config default >/etc/containerd/config.toml
sed -i 's/SystemdCgroup = false/SystemdCgroup = true/' /etc/containerd/config.toml
systemctl restart containerd
systemctl enable containerd

# kubelet, kubeadm, kubectl from the Kubernetes package repository, held at the pinned minor.
mkdir -p /etc/apt/keyrings
curl -fsSL "https://pkgs.k8s.io/core:/stable:/${KUBERNETES_MINOR}/deb/Release.key" |
  gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg
echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/${KUBERNETES_MINOR}/deb/ /" \
  >/etc/apt/sources.list.d/kubernetes.list
apt-get update -qq
apt-get install -y -qq kubelet kubeadm kubectl
apt-mark hold kubelet kubeadm kubectl

# ECR pulls with the node's instance role: the kubelet's image credential provider plugin.
mkdir -p /etc/kubernetes/image-credential-provider
curl -fsSL -o /etc/kubernetes/image-credential-provider/ecr-credential-provider \
  "https://artifacts.k8s.io/binaries/cloud-provider-aws/${ECR_CREDENTIAL_PROVIDER_VERSION}/linux/amd64/ecr-credential-provider-linux-amd64"
chmod 0755 /etc/kubernetes/image-credential-provider/ecr-credential-provider
cat >/etc/kubernetes/image-credential-provider/config.yaml <<'PROVIDER'
apiVersion: kubelet.config.k8s.io/v1
kind: CredentialProviderConfig
providers:
  - name: ecr-credential-provider
    matchImages:
      - "*.dkr.ecr.*.amazonaws.com"
    defaultCacheDuration: 12h
    apiVersion: credentialprovider.kubelet.k8s.io/v1
PROVIDER
cat >/etc/default/kubelet <<'KUBELET'
KUBELET_EXTRA_ARGS=--image-credential-provider-config=/etc/kubernetes/image-credential-provider/config.yaml --image-credential-provider-bin-dir=/etc/kubernetes/image-credential-provider
KUBELET
systemctl enable kubelet
echo "node ready for kubeadm init/join"
