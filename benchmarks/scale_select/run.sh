#!/usr/bin/env bash
# The scale benchmark of docs/scale.md: a seeded Gaussian mixture (ROWS × DIM float32, in a
# temporary folder, never committed), each selector timed in a child process (peak RSS from
# wait4), StreamingKMeans vs FAISS seconds per k-means iteration on the same file and threads,
# and `coldstart select` under mpirun with 1 and 2 ranks. One JSON line per step to OUT, each step
# preceded by a note with `uptime`, so a run cut short keeps every finished cell.
#   ROWS=200000 DIM=1280 OUT=docs/benchmarks/scale_select.jsonl benchmarks/scale_select/run.sh
# POOL=FILE.npy reuses a mixture written earlier (scale_select --generate or make_pool.py; ROWS
# must match). STEPS picks and orders the steps (default: all, cheapest first):
#   iteration faiss kcenter kmeans-centroid typiclust probcover mpi kmeans-centroid-1000
#   kmeans-paper
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-1000000} DIM=${DIM:-1280} BUILD=${BUILD:-build} OUT=${OUT:-/dev/stdout}
STEPS=${STEPS:-iteration faiss kcenter kmeans-centroid typiclust probcover mpi kmeans-centroid-1000 kmeans-paper}
ITERS=${ITERS:-5}  # timed Lloyd iterations (ours and FAISS's)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/scale_select.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
note() { echo "{\"note\": \"$1\", \"uptime\": \"$(uptime | sed 's/.*load/load/')\", \"utc\": \"$(date -u +%FT%TZ)\", \"commit\": \"$(git rev-parse --short HEAD)\"}" >>"$OUT"; }
note "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB; rows $ROWS dim $DIM"
if [[ -n "${POOL:-}" ]]; then ln -s "$(realpath "$POOL")" "$TMP/pool.npy"  # reuse a generated file
else "$BUILD/benchmarks/scale_select" --generate "$TMP/pool.npy" --rows "$ROWS" --dim "$DIM"; fi
python3 -c "import sys; n=int(sys.argv[1]); open(sys.argv[2],'w').write('id\n'+''.join(f'r{i}\n' for i in range(n)))" "$ROWS" "$TMP/pool.ids.csv"
note "pool ready"
sel() { "$BUILD/benchmarks/scale_select" --embeddings "$TMP/pool.npy" "$@" >>"$OUT" || note "failed: $*"; }
mpi_step() {
  for np in 1 2; do
    note "mpirun -np $np coldstart select kmeans-centroid (OMP_NUM_THREADS=$(( $(nproc) / np )))"
    s=$(date +%s.%N)
    OMP_NUM_THREADS=$(( $(nproc) / np )) /usr/bin/time -f '{"mpirun_np": '"$np"', "max_rss_kb_of_one_rank": %M}' \
      mpirun --allow-run-as-root --oversubscribe -np "$np" -x OMP_NUM_THREADS \
      "$BUILD/coldstart" select --embeddings "$TMP/pool.npy" --budget 100 --strategy kmeans-centroid \
      --engine streaming --seed 0 --out "$TMP/picks-$np.csv" >/dev/null 2>>"$TMP/time.txt"
    e=$(date +%s.%N)
    echo "{\"mpirun_np\": $np, \"strategy\": \"kmeans-centroid\", \"seconds\": $(echo "$e - $s" | bc)}" >>"$OUT"
    grep '^{' "$TMP/time.txt" | tail -1 >>"$OUT" || true
  done
  cmp "$TMP/picks-1.csv" "$TMP/picks-2.csv" && note "np 1 and np 2 picks identical"
}
for step in $STEPS; do
  note "step $step"
  case $step in
    iteration) sel --budget 100 --max-iter "$ITERS" --run kmeans-iteration ;;
    faiss) python3 benchmarks/scale_select/faiss_kmeans.py "$TMP/pool.npy" --k 100 \
             --niter $((ITERS + 1)) --threads "$(nproc)" >>"$OUT" || note "failed: faiss" ;;
    kmeans-centroid-1000) sel --budget 1000 --run kmeans-centroid ;;
    mpi) mpi_step ;;
    *) sel --budget 100 --run "$step" ;;
  esac
done
note "done"
