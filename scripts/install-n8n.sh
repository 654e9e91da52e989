#!/usr/bin/env bash
# Installs real n8n releases for the end-to-end tests into a cache folder outside the repository,
# one folder per version, reused between runs (a marker file records a finished install).
#
#   scripts/install-n8n.sh [VERSION...]
#
# Versions default to $N8N_E2E_VERSIONS (space or comma separated), else 1.123.81 and 2.8.4.
# The cache defaults to ${N8N_E2E_CACHE:-$HOME/.cache/n8n-payment-webhooks}.
set -euo pipefail

cache="${N8N_E2E_CACHE:-$HOME/.cache/n8n-payment-webhooks}"
versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
  read -r -a versions <<< "$(echo "${N8N_E2E_VERSIONS:-1.123.81 2.8.4}" | tr ',' ' ')"
fi

# sqlite3 is n8n's database driver and a native module: npm may skip its install script,
# so check that it loads and rebuild it when it does not.
check_native() {
  (cd "$1" && node -e "
    const sqlite3 = require('sqlite3');
    const db = new sqlite3.Database(':memory:');
    db.get('select 1 as ok', (err, row) => { if (err || row.ok !== 1) process.exit(1); db.close(); });
  ")
}

install_version() {
  local version="$1" dir="$cache/$1"
  local marker="$dir/.installed"
  if [ -f "$marker" ] && [ -x "$dir/node_modules/.bin/n8n" ]; then
    echo "n8n $version: already installed in $dir"
    return 0
  fi
  mkdir -p "$dir"
  # xlsx: n8n pins a CDN tarball that may be unreachable; isolated-vm 6+ needs Node 22.
  cat > "$dir/package.json" <<JSON
{
  "name": "n8n-e2e-$version",
  "private": true,
  "dependencies": { "n8n": "$version" },
  "overrides": { "xlsx": "0.18.5", "isolated-vm": "5.0.4" }
}
JSON
  echo "n8n $version: installing into $dir"
  local started=$SECONDS
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  if ! check_native "$dir" 2>/dev/null; then
    echo "n8n $version: sqlite3 does not load, rebuilding it"
    (cd "$dir" && npm rebuild sqlite3)
    check_native "$dir"
  fi
  "$dir/node_modules/.bin/n8n" --version > /dev/null
  echo "n8n $version $(date -u +%FT%TZ) $((SECONDS - started))s" > "$marker"
  echo "n8n $version: installed in $((SECONDS - started))s"
}

mkdir -p "$cache"
for version in "${versions[@]}"; do
  # One install per version at a time, even when several runs start together.
  exec {lock}> "$cache/.$version.lock"
  flock "$lock"
  install_version "$version"
  flock -u "$lock"
done
