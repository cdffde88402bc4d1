#!/usr/bin/env bash
# Cluster add-ons tillstream relies on, run once with kubectl pointing at the new cluster:
#   metrics-server  (CPU metrics for the purchase/store HorizontalPodAutoscalers)
#   aws-ebs-csi-driver (persistent volumes for Kafka, the shards and Prometheus; storage class in k8s/overlays/ec2)
#   KEDA            (optional: the consumer's lag-based ScaledObject; skip with INSTALL_KEDA=0)
set -euo pipefail

METRICS_SERVER_VERSION="${METRICS_SERVER_VERSION:-v0.8.0}"
EBS_CSI_VERSION="${EBS_CSI_VERSION:-release-1.48}"
KEDA_VERSION="${KEDA_VERSION:-2.18.1}"

# kubeadm's kubelets serve self-signed certificates; metrics-server must accept them.
kubectl apply -f "https://github.com/kubernetes-sigs/metrics-server/releases/download/${METRICS_SERVER_VERSION}/components.yaml"
kubectl -n kube-system patch deployment metrics-server --type=json \
  -p '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--kubelet-insecure-tls"}]'

# The driver uses the nodes' instance role (AmazonEBSCSIDriverPolicy attached by create-cluster.sh).
kubectl apply -k "github.com/kubernetes-sigs/aws-ebs-csi-driver/deploy/kubernetes/overlays/stable/?ref=${EBS_CSI_VERSION}"

if [ "${INSTALL_KEDA:-1}" = "1" ]; then
  kubectl apply --server-side -f "https://github.com/kedacore/keda/releases/download/v${KEDA_VERSION}/keda-${KEDA_VERSION}.yaml"
  kubectl -n keda rollout status deployment/keda-operator --timeout=300s
fi
kubectl -n kube-system rollout status deployment/metrics-server --timeout=300s
echo "add-ons installed"
