#!/usr/bin/env bash
# Creates the EC2 side of the cluster in the default VPC: a security group whose members may talk to each
# other on every port (the rule kubeadm, Calico, Kafka and PostgreSQL traffic needs) and that admits
# ADMIN_CIDR only for SSH, the API server and the NodePorts; an instance role for ECR pulls and EBS volumes;
# one control-plane and WORKER_COUNT worker instances booted with node-setup.sh. Prints their addresses.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source-path=SCRIPTDIR source=env.sh
source ./env.sh
: "${ADMIN_CIDR:?set ADMIN_CIDR to your public address, e.g. 203.0.113.7/32}"
export AWS_REGION

vpc="$(aws ec2 describe-vpcs --filters Name=isDefault,Values=true --query 'Vpcs[0].VpcId' --output text)"
sg="$(aws ec2 create-security-group --group-name "${CLUSTER_NAME}-nodes" --vpc-id "${vpc}" \
  --description "${CLUSTER_NAME} Kubernetes nodes" --query GroupId --output text)"
# Members of the group reach each other on every protocol and port.
aws ec2 authorize-security-group-ingress --group-id "${sg}" \
  --ip-permissions "IpProtocol=-1,UserIdGroupPairs=[{GroupId=${sg}}]" >/dev/null
for port in 22 6443 30080 30081 30090 30300; do
  aws ec2 authorize-security-group-ingress --group-id "${sg}" --protocol tcp --port "${port}" --cidr "${ADMIN_CIDR}" >/dev/null
done

role="${CLUSTER_NAME}-node"
aws iam create-role --role-name "${role}" --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
for policy in AmazonEC2ContainerRegistryReadOnly service-role/AmazonEBSCSIDriverPolicy; do
  aws iam attach-role-policy --role-name "${role}" --policy-arn "arn:aws:iam::aws:policy/${policy}"
done
aws iam create-instance-profile --instance-profile-name "${role}" >/dev/null
aws iam add-role-to-instance-profile --instance-profile-name "${role}" --role-name "${role}"
sleep 10 # the instance profile takes a moment to become usable

ami="$(aws ssm get-parameter --name "${AMI_PARAMETER}" --query Parameter.Value --output text)"
launch() { # launch ROLE TYPE COUNT
  aws ec2 run-instances --image-id "${ami}" --instance-type "$2" --count "$3" --key-name "${KEY_NAME}" \
    --security-group-ids "${sg}" --iam-instance-profile "Name=${role}" \
    --user-data file://node-setup.sh \
    --block-device-mappings 'DeviceName=/dev/sda1,Ebs={VolumeSize=50,VolumeType=gp3}' \
    --metadata-options 'HttpTokens=required,HttpPutResponseHopLimit=2' \
    --tag-specifications "ResourceType=instance,Tags=[{Key=Name,Value=${CLUSTER_NAME}-$1},{Key=cluster,Value=${CLUSTER_NAME}}]" \
    --query 'Instances[].InstanceId' --output text
}
ids="$(launch control-plane "${CONTROL_PLANE_TYPE}" 1) $(launch worker "${WORKER_TYPE}" "${WORKER_COUNT}")"
# shellcheck disable=SC2086 # one argument per id
aws ec2 wait instance-running --instance-ids ${ids}
# shellcheck disable=SC2016 # backticks are JMESPath literals, not command substitution
aws ec2 describe-instances --filters "Name=tag:cluster,Values=${CLUSTER_NAME}" "Name=instance-state-name,Values=running" \
  --query 'Reservations[].Instances[].[Tags[?Key==`Name`]|[0].Value,PublicIpAddress,PrivateIpAddress]' --output table
