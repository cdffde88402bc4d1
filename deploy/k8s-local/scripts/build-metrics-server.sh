#!/usr/bin/env bash
# Builds metrics-server from its Go module into the cache, once:
# ~/.cache/tillstream/metrics-server-<version>/metrics-server. The local cluster runs it on the node address
# as the metrics.k8s.io API (an APIService the API server proxies to), so the HPAs read pods' CPU.
# Idempotent: prints the binary's path.
set -euo pipefail
version="${METRICS_SERVER_VERSION:-v0.8.0}"
exec bash "$(dirname "$0")/go-install.sh" metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server "${version}" \
  "-X k8s.io/client-go/pkg/version.gitVersion=${version}"
