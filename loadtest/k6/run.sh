#!/usr/bin/env bash
# Runs loadtest/k6/purchases.js with the user's own k6 (K6_BIN, or `k6` on PATH) against the local
# stack (or PURCHASE_URL). The project neither downloads nor builds k6.
#   PROMETHEUS_RW=1   also stream k6's metrics to the stack's Prometheus (remote-write receiver)
#   API_KEY=…         the purchase service's bearer key (default: the stack's .stack/purchase-api-key)
#   SUMMARY_FILE=…    where the JSON end-of-test summary goes (default .stack/k6-summary.json: a k6 run is not a recorded result)
# Every workload variable of the Node runner applies (STORES, PURCHASES_PER_HOUR, …), plus P99_MS.
set -euo pipefail
cd "$(dirname "$0")/../.."

k6_bin="${K6_BIN:-}"
if [ -z "${k6_bin}" ]; then
  k6_bin="$(command -v k6 || true)"
fi
if [ -z "${k6_bin}" ] || [ ! -x "${k6_bin}" ]; then
  cat >&2 <<'HELP'
make k6 needs k6, which this project does not install: put `k6` on PATH or set K6_BIN=/path/to/k6.
Install it from Grafana's packages or releases (https://grafana.com/docs/k6/latest/set-up/install-k6/),
or run the script in the official k6 image:  docker compose --profile load run --rm k6
The test suite runs loadtest/k6/purchases.js without k6, under the shim described in loadtest/README.md.
HELP
  exit 1
fi

# The script imports the compiled workload module.
npx tsc -b loadtest

if [ -z "${PURCHASE_URL:-}" ] && [ -f .stack/state.json ]; then
  PURCHASE_URL="$(node -e 'const s=require("./.stack/state.json"); process.stdout.write(s.services?.purchase?.url ?? "")')"
  export PURCHASE_URL
  # The stack's own key, sent to the stack's own purchase service only.
  if [ -z "${API_KEY:-}" ] && [ -f .stack/purchase-api-key ]; then
    API_KEY="$(<.stack/purchase-api-key)"
    export API_KEY
  fi
fi

summary="${SUMMARY_FILE:-.stack/k6-summary.json}"
mkdir -p "$(dirname "${summary}")"
args=(run --summary-export "${summary}")
if [ "${PROMETHEUS_RW:-0}" = "1" ]; then
  export K6_PROMETHEUS_RW_SERVER_URL="${K6_PROMETHEUS_RW_SERVER_URL:-http://127.0.0.1:9090/api/v1/write}"
  export K6_PROMETHEUS_RW_TREND_STATS="${K6_PROMETHEUS_RW_TREND_STATS:-p(50),p(95),p(99),max}"
  args+=(-o experimental-prometheus-rw --tag testid="k6-$(date +%s)")
fi
exec "${k6_bin}" "${args[@]}" "$@" loadtest/k6/purchases.js
