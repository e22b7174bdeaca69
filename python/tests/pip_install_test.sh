#!/usr/bin/env bash
# ctest python.pip_install: `pip install .` of the repository into a fresh venv, then a fit and a
# pick through the installed package (not the build tree's). Args: PYTHON SOURCE_DIR WORK_DIR
# [UNITY]: UNITY ON builds the wheel as a unity build too, as the build tree was (scripts/test.sh).
set -euo pipefail
PY=$1 SRC=$2 WORK=$3
UNITY_ARGS=()
if [[ "${4:-}" == ON ]]; then UNITY_ARGS=(-C cmake.define.CMAKE_UNITY_BUILD=ON); fi
rm -rf "$WORK/venv"
mkdir -p "$WORK"
"$PY" -m venv --system-site-packages "$WORK/venv"
# The wheel's build tree is kept in WORK between runs (scikit-build-core build-dir), so a rerun
# rebuilds only what changed.
"$WORK/venv/bin/pip" install --no-build-isolation --no-deps --no-index -q \
  -C build-dir="$WORK/wheel-build" "${UNITY_ARGS[@]}" "$SRC"
cd "$WORK"
"$WORK/venv/bin/python" - <<'PYEOF'
import pathlib, numpy as np, coldstart
assert "site-packages" in pathlib.Path(coldstart.__file__).parts, coldstart.__file__
x = np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32)
km = coldstart.KMeans(4, random_state=0).fit(x)
d2 = ((x[:, None, :] - km.cluster_centers_[None]) ** 2).sum(-1)
assert abs(km.inertia_ - d2.min(1).sum()) <= 1e-5 * km.inertia_
assert len(set(coldstart.select(x, 5).indices.tolist())) == 5
print("installed coldstart", coldstart.__version__, "from", coldstart.__file__)
PYEOF
