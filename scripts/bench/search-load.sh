#!/usr/bin/env bash
# Benchmark: the school search page under load, 25,000 schools in the database.
#
#   scripts/bench/search-load.sh                 # SQLite and PostgreSQL, 3 runs each
#   RUNS=5 DURATION=20 scripts/bench/search-load.sh
#   BACKENDS=sqlite scripts/bench/search-load.sh
#   UPWARD=/path/to/other/upward scripts/bench/search-load.sh   # time another build
#
# For each backend: builds the release binary and the GIAS generator,
# generates a 25,000-row extract (2025 layout, seed 2025) into $BENCH_DIR
# (default /tmp/upward-bench), imports it into a fresh database with
# `upward import gias`, makes every school a member with one statement
#   UPDATE schools SET membership = 'member'
# (so the directory's default member-only search sees them; 13,263 of them
# are open, which the default search shows), adds an admin with
# `upward user add --role admin --password-stdin`, and signs in with curl.
# Then, RUNS times, it starts `upward serve --no-jobs` and, in that one
# server session, runs wrk (32 connections, 2 threads, DURATION seconds,
# requests slower than TIMEOUT=10 s counted as timeouts) on
#   search  GET /schools?q=primary   (session cookie; 4,661 open schools match)
#   list    GET /schools             (session cookie; first page, no query)
#   static  GET /static/app.css      (no cookie: the machine's reference)
#   static+cookie GET /static/app.css with the session cookie (what a browser
#           sends; shows the cost of the per-request session lookup)
# and prints requests per second and p99 latency for each, and the ratio
# search/static and list/static of requests per second (median and range
# over the runs). Needs wrk (apt-get install wrk) and curl.
#
# PostgreSQL: PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432, postgres) must
# allow CREATE DATABASE; the script creates and drops upward_bench_search.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/upward-target}"
RUNS="${RUNS:-3}"
DURATION="${DURATION:-20}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
TIMEOUT="${TIMEOUT:-10}"
BACKENDS="${BACKENDS:-sqlite postgres}"
BENCH_DIR="${BENCH_DIR:-/tmp/upward-bench}"
PORT="${PORT:-18431}"
WORD="${WORD:-primary}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
PGDB=upward_bench_search
EMAIL=bench-admin@example.org
PASSWORD='bench-password-2025!'
BASE="http://127.0.0.1:$PORT"
mkdir -p "$BENCH_DIR"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

if [ -z "${UPWARD:-}" ]; then
  echo "==> Building (release)" >&2
  cargo build --release --locked -p upward -q
  UPWARD="$CARGO_TARGET_DIR/release/upward"
fi
cargo build --release --locked -p upward-gias --example generate -q
FILE="$BENCH_DIR/gias-25k-seed2025.csv"
[ -s "$FILE" ] || "$CARGO_TARGET_DIR/release/examples/generate" --rows 25000 --seed 2025 --out "$FILE" >&2

SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}
trap stop_server EXIT

start_server() {
  "$UPWARD" serve --database "$1" --addr "127.0.0.1:$PORT" --no-jobs >"$BENCH_DIR/serve-$2.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the server did not start:" >&2
  cat "$BENCH_DIR/serve-$2.log" >&2
  exit 1
}

# wrk_run LABEL BACKEND URL [COOKIE]: appends "LABEL BACKEND rps p99_ms" to $RESULTS.
wrk_run() {
  local label=$1 backend=$2 url=$3 cookie=${4:-} out="$BENCH_DIR/wrk-$1-$2.txt"
  local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout "${TIMEOUT}s" --latency)
  [ -n "$cookie" ] && args+=(-H "Cookie: $cookie")
  wrk "${args[@]}" "$url" >"$out"
  local rps p99 non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$out")
  if [ -n "$non2xx" ]; then
    echo "  $label: $non2xx responses were not 2xx/3xx (see $out)" >&2
  fi
  if grep -q 'Socket errors' "$out"; then
    echo "  $label: $(grep 'Socket errors' "$out" | sed 's/^ *//') (a timeout is a request slower than ${TIMEOUT} s)" >&2
  fi
  echo "$label $backend $rps $p99" >>"$RESULTS"
  printf '  %-14s %-9s %9.0f req/s   p99 %8.2f ms\n' "$label" "$backend" "$rps" "$p99" >&2
}

RESULTS="$BENCH_DIR/search-results.txt"
: >"$RESULTS"

for backend in $BACKENDS; do
  echo "==> $backend: loading 25,000 schools" >&2
  if [ "$backend" = sqlite ]; then
    db="$BENCH_DIR/search.db"
    rm -f "$db" "$db-wal" "$db-shm"
    url="$db"
    "$UPWARD" import gias "$FILE" --database "$url" >&2
    "$UPWARD" migrate --database "$url" >/dev/null
    sqlite_update() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); n=c.execute(sys.argv[2]).rowcount; c.commit(); print(n)' "$db" "$1"; }
    echo "  members: $(sqlite_update "UPDATE schools SET membership = 'member'") schools" >&2
  else
    dropdb --if-exists "$PGDB" 2>/dev/null
    createdb "$PGDB"
    url="postgres://$PGUSER@$PGHOST:$PGPORT/$PGDB"
    "$UPWARD" import gias "$FILE" --database "$url" >&2
    psql -qtA -d "$PGDB" -c "UPDATE schools SET membership = 'member'"
    echo "  members: $(psql -qtA -d "$PGDB" -c "SELECT COUNT(*) FROM schools WHERE membership = 'member'") schools" >&2
    # Settle the table after updating every row, as autovacuum would.
    psql -qtA -d "$PGDB" -c "VACUUM ANALYZE" >/dev/null
  fi
  printf '%s' "$PASSWORD" | "$UPWARD" user add --email "$EMAIL" --role admin --password-stdin --database "$url" >&2

  jar="$BENCH_DIR/cookies-$backend.txt"
  rm -f "$jar"
  for run in $(seq 1 "$RUNS"); do
    echo "==> $backend: run $run of $RUNS ($UPWARD)" >&2
    start_server "$url" "$backend"
    if [ ! -s "$jar" ]; then
      curl -fsS -c "$jar" -b "$jar" "$BASE/login" >/dev/null
      csrf=$(awk '$6=="upward_csrf" {print $7}' "$jar")
      curl -sS -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' \
        --data-urlencode "csrf=$csrf" --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" --data-urlencode "next=/" \
        "$BASE/login" | grep -q 303 || { echo "signing in failed" >&2; exit 1; }
    fi
    cookie="upward_session=$(awk '$6=="upward_session" {print $7}' "$jar"); upward_csrf=$(awk '$6=="upward_csrf" {print $7}' "$jar")"
    page=$(curl -fsS -H "Cookie: $cookie" "$BASE/schools?q=$WORD")
    echo "  check: $(grep -o 'Showing [^<]*' <<<"$page" | head -1) for q=$WORD" >&2
    wrk_run search "$backend" "$BASE/schools?q=$WORD" "$cookie"
    wrk_run list "$backend" "$BASE/schools" "$cookie"
    wrk_run static "$backend" "$BASE/static/app.css"
    wrk_run static+cookie "$backend" "$BASE/static/app.css" "$cookie"
    stop_server
  done
done
[[ " $BACKENDS " == *" postgres "* ]] && dropdb --if-exists "$PGDB"

median_range() { sort -g | awk '{v[NR]=$1} END {if (NR==0) exit; m=int((NR+1)/2); printf "%s [%s–%s]", v[m], v[1], v[NR]}'; }
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "Binary: $UPWARD"
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --timeout ${TIMEOUT}s; $RUNS runs; median [min–max]"
printf '%-14s %-9s %-28s %s\n' endpoint backend "requests/s" "p99 ms"
for backend in $BACKENDS; do
  for label in search list static static+cookie; do
    rps=$(awk -v l="$label" -v b="$backend" '$1==l && $2==b {printf "%.0f\n", $3}' "$RESULTS" | median_range)
    p99=$(awk -v l="$label" -v b="$backend" '$1==l && $2==b {printf "%.2f\n", $4}' "$RESULTS" | median_range)
    printf '%-14s %-9s %-28s %s\n' "$label" "$backend" "$rps" "$p99"
  done
  # Ratios per run (search and static measured in the same server session).
  for label in search list; do
    ratio=$(awk -v l="$label" -v b="$backend" '
      $2==b && $1==l {x[++n]=$3} $2==b && $1=="static" {s[++m]=$3}
      END {for (i=1;i<=n;i++) printf "%.5f\n", x[i]/s[i]}' "$RESULTS" | median_range)
    printf '%-14s %-9s %s\n' "$label/static" "$backend" "$ratio"
  done
done
