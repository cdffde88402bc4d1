#!/usr/bin/env bash
# Applies an overlay (default k8s/overlays/ec2) with server-side apply, first deleting the setup Jobs
# (kafka-topics, migrate) so they run again: a Job's pod template is immutable, and it changes whenever an
# image tag or a generated ConfigMap's name does, which a plain re-apply rejects ("field is immutable").
# Both Jobs are idempotent (they create or grow the topics, and apply the schema only where missing).
# Usage: bash deploy/ec2/apply.sh [overlay-dir]; KUBECTL overrides the kubectl binary.
set -euo pipefail
cd "$(dirname "$0")/../.."

OVERLAY="${1:-k8s/overlays/ec2}"
KUBECTL="${KUBECTL:-kubectl}"
NAMESPACE="${NAMESPACE:-tillstream}"

if "${KUBECTL}" get namespace "${NAMESPACE}" >/dev/null 2>&1; then
  "${KUBECTL}" -n "${NAMESPACE}" delete job -l app.kubernetes.io/component=setup --ignore-not-found --wait=true
fi
"${KUBECTL}" apply --server-side -k "${OVERLAY}"
