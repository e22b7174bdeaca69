#!/usr/bin/env bash
# The main job: installs what is missing, builds, then runs the demo on a dataset
# (default ../shared/datasets/busi; override with COLDSTART_DATA=DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
DATA=${COLDSTART_DATA:-../shared/datasets/busi}
./build/examples/dataset_summary "$DATA"
