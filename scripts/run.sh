#!/usr/bin/env bash
# Start the whole system: web server, Celery worker and Celery beat. Ctrl-C stops all.
# With DATABASE_URL / CELERY_BROKER_URL unset it runs embedded: SQLite and a folder broker.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DEBUG="${DEBUG:-1}"
mkdir -p var
if [ -z "${CELERY_BROKER_URL:-}" ]; then
  export CELERY_BROKER_URL="filesystem://"
  echo "Broker: embedded folder broker in var/broker (set CELERY_BROKER_URL for Redis)"
else
  echo "Broker: $CELERY_BROKER_URL"
fi
if [ -z "${DATABASE_URL:-}" ]; then
  echo "Database: SQLite in var/compliance.sqlite3 (set DATABASE_URL for PostgreSQL)"
else
  echo "Database: $DATABASE_URL" | sed -E 's#//([^:@/]+):[^@]*@#//\1:***@#'
fi
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

# migrate also creates the database cache table (compliance_site/migrations/0001_cache_table.py).
$PY manage.py migrate --noinput
$PY manage.py ensure_admin
if [ ! -f var/.seeded ] && $PY manage.py help seed_compliance >/dev/null 2>&1; then
  $PY manage.py seed_compliance --demo && touch var/.seeded
fi

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

$PY -m celery -A compliance_site worker -Q default,reports,integrations --concurrency 2 --loglevel INFO &
pids+=($!)
$PY -m celery -A compliance_site beat --schedule var/celerybeat-schedule --loglevel INFO &
pids+=($!)
$PY manage.py runserver "$HOST:$PORT" --noreload &
pids+=($!)
echo "Compliance platform on http://$HOST:$PORT/ (admin at /admin/, API at /api/v1/, docs at /api/docs/)"
wait -n
