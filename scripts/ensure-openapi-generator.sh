#!/usr/bin/env bash
# Prints the path of the OpenAPI Generator CLI jar (org.openapitools:openapi-generator-cli from Maven
# Central), resolving it with Maven into ~/.cache/tillstream/openapi-generator-<version>/ the first time,
# as the stack does with the Kafka jars. The Java client test generates its client with this jar.
#   scripts/ensure-openapi-generator.sh            # resolve (once) and print the jar path
# Needs `mvn` and a JDK (Debian: maven, openjdk-17-jdk-headless).
set -euo pipefail

VERSION="${OPENAPI_GENERATOR_VERSION:-7.25.0}"
CACHE_DIR="${TILLSTREAM_CACHE_DIR:-${HOME}/.cache/tillstream}"
DIR="${CACHE_DIR}/openapi-generator-${VERSION}"
JAR="${DIR}/openapi-generator-cli-${VERSION}.jar"

if [ -s "${JAR}" ]; then
  echo "${JAR}"
  exit 0
fi

if ! command -v mvn >/dev/null 2>&1; then
  echo "ensure-openapi-generator: mvn not found (Debian: apt-get install maven)" >&2
  exit 1
fi

echo "resolving openapi-generator-cli ${VERSION} from Maven Central into ${DIR}" >&2
mkdir -p "${CACHE_DIR}"
rm -rf "${DIR}.partial"
# Maven's -q output still carries colour resets; strip them (pipefail keeps Maven's exit status).
mvn -q -B -Dstyle.color=never dependency:copy \
  "-Dartifact=org.openapitools:openapi-generator-cli:${VERSION}:jar" \
  "-DoutputDirectory=${DIR}.partial" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
rm -rf "${DIR}"
mv "${DIR}.partial" "${DIR}"
echo "${JAR}"
