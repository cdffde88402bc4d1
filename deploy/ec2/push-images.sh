#!/usr/bin/env bash
# Builds the four images from the repository root, pushes them to ECR (creating the repositories on first
# use), and points k8s/overlays/ec2 at them with `kustomize edit set image`. Needs docker, the AWS CLI
# and kustomize (deploy/validate/scripts/install-kustomize.sh builds the pinned one).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source-path=SCRIPTDIR source=env.sh
source deploy/ec2/env.sh

account="$(aws sts get-caller-identity --query Account --output text)"
registry="${account}.dkr.ecr.${AWS_REGION}.amazonaws.com"
aws ecr get-login-password --region "${AWS_REGION}" | docker login --username AWS --password-stdin "${registry}"

kustomize="$(bash deploy/validate/scripts/install-kustomize.sh)"
declare -A dockerfiles=(
  [purchase]=services/purchase/Dockerfile
  [store]=services/store/Dockerfile
  [consumer]=services/consumer/Dockerfile
  [k6]=deploy/k6/Dockerfile
)
for name in purchase store consumer k6; do
  repository="tillstream/${name}"
  aws ecr describe-repositories --region "${AWS_REGION}" --repository-names "${repository}" >/dev/null 2>&1 ||
    aws ecr create-repository --region "${AWS_REGION}" --repository-name "${repository}" \
      --image-scanning-configuration scanOnPush=true >/dev/null
  image="${registry}/${repository}:${IMAGE_TAG}"
  # The nodes are amd64 (env.sh); building on an arm64 machine without --platform would push images they
  # cannot run ("exec format error").
  DOCKER_BUILDKIT=1 docker build --platform linux/amd64 -f "${dockerfiles[${name}]}" -t "${image}" .
  docker push "${image}"
  (cd k8s/overlays/ec2 && "${kustomize}" edit set image "tillstream/${name}=${image}")
done
echo "pushed ${IMAGE_TAG} to ${registry}; k8s/overlays/ec2 now points at it"
