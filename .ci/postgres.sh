#!/usr/bin/env bash
# Installs (if missing) and starts a PostgreSQL server on loopback for the metadata-store tests, with
# a role and database that the tests use:
#   jdbc:postgresql://127.0.0.1:5432/beamline_test?user=beamline&password=beamline
# Idempotent: safe to run when the server is already up.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q postgresql
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$version "; then
  pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | grep "^$version " | grep -q online; then
  pg_ctlcluster "$version" main start
fi
for i in $(seq 1 30); do
  su postgres -c "psql -qAt -c 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qAt -c \"select 1 from pg_roles where rolname='beamline'\"" | grep -q 1 \
  || su postgres -c "psql -q -c \"create role beamline login password 'beamline'\""
su postgres -c "psql -qAt -c \"select 1 from pg_database where datname='beamline_test'\"" | grep -q 1 \
  || su postgres -c "psql -q -c 'create database beamline_test owner beamline'"
echo "PostgreSQL $version is up: jdbc:postgresql://127.0.0.1:5432/beamline_test?user=beamline&password=beamline"
