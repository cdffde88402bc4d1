#!/usr/bin/env bash
# Deletes everything create-cluster.sh and push-images.sh made: the instances, the security group, the
# instance role, the ECR repositories, and — because the storage class retains them — the EBS volumes that
# held Kafka, the shards and Prometheus. Irreversible: it asks first unless YES=1.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source-path=SCRIPTDIR source=env.sh
source ./env.sh
export AWS_REGION

if [ "${YES:-0}" != "1" ]; then
  read -r -p "Delete the ${CLUSTER_NAME} cluster, its volumes and images in ${AWS_REGION}? [y/N] " answer
  [ "${answer}" = "y" ] || exit 1
fi

ids="$(aws ec2 describe-instances --filters "Name=tag:cluster,Values=${CLUSTER_NAME}" \
  "Name=instance-state-name,Values=pending,running,stopping,stopped" --query 'Reservations[].Instances[].InstanceId' --output text)"
if [ -n "${ids}" ]; then
  # shellcheck disable=SC2086 # one argument per id
  aws ec2 terminate-instances --instance-ids ${ids} >/dev/null
  # shellcheck disable=SC2086
  aws ec2 wait instance-terminated --instance-ids ${ids}
fi

# Volumes the EBS CSI driver created for this cluster's claims (tagged with the claim's namespace).
for volume in $(aws ec2 describe-volumes --filters "Name=tag:kubernetes.io/created-for/pvc/namespace,Values=tillstream" \
  "Name=status,Values=available" --query 'Volumes[].VolumeId' --output text); do
  aws ec2 delete-volume --volume-id "${volume}"
done

sg="$(aws ec2 describe-security-groups --filters "Name=group-name,Values=${CLUSTER_NAME}-nodes" --query 'SecurityGroups[0].GroupId' --output text)"
if [ "${sg}" != "None" ]; then aws ec2 delete-security-group --group-id "${sg}"; fi

role="${CLUSTER_NAME}-node"
aws iam remove-role-from-instance-profile --instance-profile-name "${role}" --role-name "${role}" 2>/dev/null || true
aws iam delete-instance-profile --instance-profile-name "${role}" 2>/dev/null || true
for policy in AmazonEC2ContainerRegistryReadOnly service-role/AmazonEBSCSIDriverPolicy; do
  aws iam detach-role-policy --role-name "${role}" --policy-arn "arn:aws:iam::aws:policy/${policy}" 2>/dev/null || true
done
aws iam delete-role --role-name "${role}" 2>/dev/null || true

for name in purchase store consumer k6; do
  aws ecr delete-repository --repository-name "tillstream/${name}" --force >/dev/null 2>&1 || true
done
echo "${CLUSTER_NAME} deleted"
