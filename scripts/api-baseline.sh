#!/usr/bin/env bash
# Records the published API's baseline: builds spi, rpc, runtime and testkit and copies each jar to
# <module>/api-baseline/<artifactId>.jar, which `mvn verify` checks every later build against (japicmp). Run it
# when a release is cut, or in the same commit as a breaking change you mean to make (that declares it).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -o package -DskipTests -Djapicmp.skip=true -pl spi,rpc,runtime,testkit -am
for module in spi rpc runtime testkit; do
  mkdir -p "$module/api-baseline"
  cp "$module/target/infrakit4j-$module-"*[0-9T].jar "$module/api-baseline/infrakit4j-$module.jar"
  echo "baseline: $module/api-baseline/infrakit4j-$module.jar"
done
