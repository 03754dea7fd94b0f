#!/usr/bin/env bash
# `make run`: migrate the database, load the demo data, then serve the app with gunicorn
# beside a Celery worker running beat. Ctrl-C (or SIGTERM) stops both together.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${VENV:-.venv}/bin"
port="${PORT:-8000}"
# Links in e-mails built outside a request (no Host header to use) point at this server.
export SITE_URL="${SITE_URL:-http://127.0.0.1:$port}"

"$bin/python" manage.py migrate --noinput
"$bin/python" manage.py seed_demo
# Realistic customers, leads and activities for the demo companies (only the first time).
"$bin/python" manage.py seed_customers
# Each module's demo data (policies and claims, opportunities, tickets), idempotent.
"$bin/python" manage.py seed_portfolio
"$bin/python" manage.py seed_sales
"$bin/python" manage.py seed_service

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Without CELERY_BROKER_URL the settings use a filesystem broker under var/broker.
"$bin/celery" -A config worker -B --pool=solo --loglevel=INFO &
pids+=($!)
"$bin/gunicorn" config.wsgi -b "127.0.0.1:$port" --workers 1 --threads 8 --access-logfile - --no-control-socket &
pids+=($!)

echo
echo "Assura is starting on http://127.0.0.1:$port/ — e-mails (verification and invitation links) are printed here."
echo "Ctrl-C stops the web server and the worker."
# Whichever stops first (Ctrl-C, a crash) takes the other down with it.
wait -n
