#!/usr/bin/env bash
# Benchmark: importing a national-size GIAS extract with `upward import gias`.
#
#   scripts/bench/gias-import.sh            # 3 runs of every case, SQLite and PostgreSQL
#   RUNS=5 scripts/bench/gias-import.sh
#   UPWARD=/path/to/other/upward scripts/bench/gias-import.sh   # time another build
#   BACKENDS=sqlite scripts/bench/gias-import.sh                # skip PostgreSQL
#
# Builds the release binary and the GIAS generator, generates two 52,000-row
# extracts in the real 2025 layout (Windows-1252, CRLF) with seeds 2025 and 7
# into $BENCH_DIR (default /tmp/upward-bench), then for each backend and run:
#   a/b  import file 1 into a fresh database (SQLite file / new PostgreSQL db)
#   c    import file 1 again (nothing changes)
#   d    import file 2 over it (about 26,000 new and 26,000 changed schools)
# and prints wall time and peak memory (max RSS, from /usr/bin/time) for
# each: median and range over the runs.
#
# PostgreSQL: PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432, postgres) must
# allow CREATE DATABASE; the script creates and drops upward_bench_import.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/upward-target}"
RUNS="${RUNS:-3}"
BACKENDS="${BACKENDS:-sqlite postgres}"
BENCH_DIR="${BENCH_DIR:-/tmp/upward-bench}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
PGDB=upward_bench_import
mkdir -p "$BENCH_DIR"

if [ -z "${UPWARD:-}" ]; then
  echo "==> Building (release)" >&2
  cargo build --release --locked -p upward -q
  UPWARD="$CARGO_TARGET_DIR/release/upward"
fi
cargo build --release --locked -p upward-gias --example generate -q
GEN="$CARGO_TARGET_DIR/release/examples/generate"
F1="$BENCH_DIR/gias-52k-seed2025.csv"
F2="$BENCH_DIR/gias-52k-seed7.csv"
[ -s "$F1" ] || "$GEN" --rows 52000 --seed 2025 --out "$F1" >&2
[ -s "$F2" ] || "$GEN" --rows 52000 --seed 7 --out "$F2" >&2

RESULTS="$BENCH_DIR/import-results.txt"
: >"$RESULTS"

# timed CASE BACKEND DBURL FILE: one import, appending "CASE BACKEND wall_s rss_kb" to $RESULTS.
timed() {
  local case=$1 backend=$2 url=$3 file=$4 out="$BENCH_DIR/import-$1-$2.log"
  /usr/bin/time -f "%e %M" -o "$BENCH_DIR/time.txt" "$UPWARD" import gias "$file" --database "$url" >"$out" 2>&1 \
    || { echo "import failed ($case $backend):" >&2; cat "$out" >&2; exit 1; }
  read -r wall rss <"$BENCH_DIR/time.txt"
  echo "$case $backend $wall $rss" >>"$RESULTS"
  printf '  %-28s %-9s %7.2f s %8d KB   %s\n' "$case" "$backend" "$wall" "$rss" "$(grep -m1 '^Imported' "$out" | cut -c1-90)" >&2
}

for run in $(seq 1 "$RUNS"); do
  echo "==> Run $run of $RUNS ($UPWARD)" >&2
  for backend in $BACKENDS; do
    if [ "$backend" = sqlite ]; then
      db="$BENCH_DIR/import.db"
      rm -f "$db" "$db-wal" "$db-shm"
      url="$db"
    else
      dropdb --if-exists "$PGDB"
      createdb "$PGDB"
      url="postgres://$PGUSER@$PGHOST:$PGPORT/$PGDB"
    fi
    timed "fresh" "$backend" "$url" "$F1"
    timed "reimport-unchanged" "$backend" "$url" "$F1"
    timed "second-file" "$backend" "$url" "$F2"
  done
done
[[ " $BACKENDS " == *" postgres "* ]] && dropdb --if-exists "$PGDB"

echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "Binary: $UPWARD"
echo "Runs: $RUNS. Median [min–max]."
printf '%-20s %-9s %-26s %s\n' case backend "wall s" "max RSS MB"
for backend in $BACKENDS; do
  for case in fresh reimport-unchanged second-file; do
    awk -v c="$case" -v b="$backend" '$1==c && $2==b {print $3, $4}' "$RESULTS" | sort -n | awk -v c="$case" -v b="$backend" '
      { w[NR]=$1; r[NR]=$2 }
      END {
        n=NR; if (n==0) exit;
        # wall: already sorted; rss: sort separately
        for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (r[j]<r[i]) { t=r[i]; r[i]=r[j]; r[j]=t }
        m=int((n+1)/2);
        printf "%-20s %-9s %6.2f [%.2f–%.2f]       %5.0f [%.0f–%.0f]\n", c, b, w[m], w[1], w[n], r[m]/1024, r[1]/1024, r[n]/1024
      }'
  done
done
