#!/usr/bin/env bash
# Settings shared by the deploy/ec2 scripts; override any of them in the environment before running one.
# Sourced, not run: `source deploy/ec2/env.sh`.
# shellcheck disable=SC2034 # the variables are used by the scripts that source this file

AWS_REGION="${AWS_REGION:-us-east-1}"
CLUSTER_NAME="${CLUSTER_NAME:-tillstream}"
# Ubuntu 24.04 LTS (amd64) from Canonical's public SSM parameter, so no AMI id is hard-coded.
AMI_PARAMETER="${AMI_PARAMETER:-/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id}"
CONTROL_PLANE_TYPE="${CONTROL_PLANE_TYPE:-t3.large}"
WORKER_TYPE="${WORKER_TYPE:-m6i.2xlarge}"
WORKER_COUNT="${WORKER_COUNT:-3}"
KEY_NAME="${KEY_NAME:-tillstream}"
# Your public address in CIDR form: the only source allowed to reach SSH, the API server and the NodePorts.
ADMIN_CIDR="${ADMIN_CIDR:-}"
KUBERNETES_MINOR="${KUBERNETES_MINOR:-v1.34}"
IMAGE_TAG="${IMAGE_TAG:-0.1.0}"
