#!/usr/bin/env bash
# Manual calibration benchmark (not part of the test suite or CI): the example shop on
# PostgreSQL + gunicorn, loaded by Locust, compared with djperf's simulation.
#
#   bench/calibration/run.sh            # everything: PostgreSQL, seed, measure, load, compare
#
# Needs (Debian bookworm): apt-get install postgresql gunicorn python3-psycopg2 python3-locust
# python3-django python3-djangorestframework; run as root (PostgreSQL runs as user postgres).
# Everything listens on 127.0.0.1 only; the cluster lives in a temporary directory that is
# removed at the end. Outputs go to bench/calibration/results/.
#
# Knobs (environment): PG_PORT (54329), APP_PORT (8099), WORKER_CLASS (gthread), WORKERS (2),
# THREADS (2), USERS (20), DURATION (40s), C1_DURATION (20s), TAG (${WORKER_CLASS}-${WORKERS}x${THREADS}),
# SCENARIO (bench/calibration/scenario.json).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
RES="$HERE/results"
PY=/usr/bin/python3
PGBIN=/usr/lib/postgresql/15/bin
PG_PORT="${PG_PORT:-54329}"
APP_PORT="${APP_PORT:-8099}"
WORKER_CLASS="${WORKER_CLASS:-gthread}"
WORKERS="${WORKERS:-2}"
THREADS="${THREADS:-2}"
USERS="${USERS:-20}"
DURATION="${DURATION:-40s}"
C1_DURATION="${C1_DURATION:-20s}"
TAG="${TAG:-${WORKER_CLASS}-${WORKERS}x${THREADS}}"
SCENARIO="${SCENARIO:-$HERE/scenario.json}"

export PYTHONPATH="$HERE:$REPO/examples/shop:$REPO/test/django"
export DJANGO_SETTINGS_MODULE=calibration_settings
export CALIB_PG_PORT="$PG_PORT" CALIB_APP_PORT="$APP_PORT"
mkdir -p "$RES"

PGDATA="$(mktemp -d /tmp/djperf-calib-pg.XXXXXX)"
chown postgres:postgres "$PGDATA"
GUNICORN_PID=""

cleanup() {
  set +e
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID"; wait "$GUNICORN_PID" 2>/dev/null
  fi
  if [ -f "$PGDATA/postmaster.pid" ]; then
    su postgres -c "$PGBIN/pg_ctl -D '$PGDATA' -m fast -w stop" >/dev/null
  fi
  rm -rf "$PGDATA"
}
trap cleanup EXIT

echo "== PostgreSQL 15 in $PGDATA on 127.0.0.1:$PG_PORT"
su postgres -c "$PGBIN/initdb -D '$PGDATA' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
su postgres -c "$PGBIN/pg_ctl -D '$PGDATA' -l '$PGDATA/server.log' -w start -o \"-p $PG_PORT -k '$PGDATA' -c listen_addresses=127.0.0.1 -c max_connections=50 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on\"" >/dev/null
psql_pg() { su postgres -c "psql -X -q -h 127.0.0.1 -p $PG_PORT -U postgres $*"; }
psql_pg "-c 'CREATE ROLE shop LOGIN' -c 'CREATE DATABASE shop OWNER shop'"
psql_pg "-d shop -c 'CREATE EXTENSION pg_stat_statements'"

echo "== migrate and seed"
$PY "$HERE/seed.py"

echo "== concurrency 1, in process: CPU, queries, query times"
$PY "$HERE/measure.py" --out "$RES/params-inprocess-$TAG.json"

echo "== gunicorn -k $WORKER_CLASS -w $WORKERS --threads $THREADS on 127.0.0.1:$APP_PORT"
( cd "$HERE" && exec /usr/bin/gunicorn -k "$WORKER_CLASS" -w "$WORKERS" --threads "$THREADS" \
    -b "127.0.0.1:$APP_PORT" --timeout 30 --log-level warning calibration_wsgi:application ) &
GUNICORN_PID=$!
for _ in $(seq 1 50); do
  curl -s -o /dev/null "http://127.0.0.1:$APP_PORT/calibration/products-select-related/" && break
  sleep 0.2
done

echo "== concurrency 1 over HTTP (1 Locust user, $C1_DURATION): server CPU per request"
$PY "$HERE/loadrun.py" --users 1 --time "$C1_DURATION" --gunicorn-pid "$GUNICORN_PID" \
  --pgdata "$PGDATA" --csv "$RES/c1-$TAG" --out "$RES/c1-$TAG-cpu.json"

echo "== load: $USERS Locust users, zero wait, $DURATION"
$PY "$HERE/loadrun.py" --users "$USERS" --time "$DURATION" --gunicorn-pid "$GUNICORN_PID" \
  --pgdata "$PGDATA" --csv "$RES/load-$TAG" --out "$RES/load-$TAG-cpu.json"

kill -TERM "$GUNICORN_PID"; wait "$GUNICORN_PID" 2>/dev/null || true
GUNICORN_PID=""

echo "== scenario from the concurrency-1 parameters"
$PY "$HERE/make_scenario.py" --inprocess "$RES/params-inprocess-$TAG.json" --c1 "$RES/c1-$TAG-cpu.json" \
  --worker-class "$WORKER_CLASS" --workers "$WORKERS" --threads "$THREADS" --users "$USERS" \
  --duration "$DURATION" --out "$SCENARIO"

compare() {  # SCENARIO STATS_CSV OUT_JSON
  node "$REPO/dist/cli.js" simulate "$1" --compare "$2"
  node "$REPO/dist/cli.js" simulate "$1" --compare "$2" --format json | $PY -c '
import json, sys
d = json.load(sys.stdin); r = d["result"]
json.dump({"scenario": r["name"], "seed": r["seed"],
           "overall": {k: r["overall"][k] for k in ("requests", "completed", "throughput", "errorRate", "latency")},
           "resources": [x for x in r["resources"] if x["utilisation"] > 0.05],
           "comparison": d["comparison"]}, open(sys.argv[1], "w"), indent=1)' "$3"
}
[ -f "$REPO/dist/cli.js" ] || (cd "$REPO" && npm run build >/dev/null)
echo "== djperf simulate --compare, 1 user (checks the parameter extraction)"
$PY "$HERE/make_scenario.py" --inprocess "$RES/params-inprocess-$TAG.json" --c1 "$RES/c1-$TAG-cpu.json" \
  --worker-class "$WORKER_CLASS" --workers "$WORKERS" --threads "$THREADS" --users 1 \
  --duration "$C1_DURATION" --out "$PGDATA/scenario-c1.json" >/dev/null
compare "$PGDATA/scenario-c1.json" "$RES/c1-${TAG}_stats.csv" "$RES/comparison-c1-$TAG.json"
echo "== djperf simulate --compare, $USERS users"
compare "$SCENARIO" "$RES/load-${TAG}_stats.csv" "$RES/comparison-load-$TAG.json"
