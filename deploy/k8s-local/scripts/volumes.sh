#!/usr/bin/env bash
# The local cluster's answer for PersistentVolumeClaims: a default StorageClass `local-path` without a
# provisioner, and VOLUME_COUNT hostPath PersistentVolumes under DIR that claims of that class bind to
# (capacity is not enforced on a hostPath, so each volume accepts any request up to its nominal size).
# The directories are world-writable: pods run as non-root users and a hostPath gets no fsGroup ownership.
# Idempotent. Usage: volumes.sh KUBECTL KUBECONFIG DIR NODE_NAME
set -euo pipefail
KUBECTL="$1"
KUBECONFIG_FILE="$2"
DIR="$3"
NODE_NAME="$4"
VOLUME_COUNT="${VOLUME_COUNT:-12}"

{
  cat <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-path
  annotations:
    storageclass.kubernetes.io/is-default-class: 'true'
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
YAML
  for i in $(seq 0 $((VOLUME_COUNT - 1))); do
    mkdir -p "${DIR}/pv-${i}"
    chmod 1777 "${DIR}/pv-${i}"
    cat <<YAML
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: local-pv-${i}
spec:
  storageClassName: local-path
  capacity:
    storage: 50Gi
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath:
    path: ${DIR}/pv-${i}
    type: Directory
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions:
            - key: kubernetes.io/hostname
              operator: In
              values: [${NODE_NAME}]
YAML
  done
} | "${KUBECTL}" --kubeconfig="${KUBECONFIG_FILE}" apply --server-side -f -
