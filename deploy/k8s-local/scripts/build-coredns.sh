#!/usr/bin/env bash
# Builds CoreDNS from its Go module into the cache, once: ~/.cache/tillstream/coredns-<version>/coredns.
# The local cluster runs it on the node address as the cluster DNS (kubernetes plugin, no upstream forward).
# Idempotent: prints the binary's path.
set -euo pipefail
exec bash "$(dirname "$0")/go-install.sh" coredns github.com/coredns/coredns "${COREDNS_VERSION:-v1.12.1}"
