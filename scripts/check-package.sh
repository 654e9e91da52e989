#!/usr/bin/env bash
# Checks the node package the way n8n receives it: packs it as published, inspects the tarball, installs it
# the way n8n installs community packages, and makes sure none of the runtime's server
# dependencies come along. Then measures both packages' installed sizes and records them in
# docs/packaging.md. Run `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/.."

FORBIDDEN_IN_NODE_INSTALL=(fastify bull better-sqlite3 prom-client)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

failures=0
fail() { printf 'FAIL: %s\n' "$1" >&2; failures=$((failures + 1)); }
ok() { printf 'ok: %s\n' "$1"; }

# Prints the tarball's path; npm's own output goes to stderr so it stays visible.
pack() {
  local destination="$1"; shift
  mkdir -p "$destination"
  local name
  name="$(npm pack "$@" --pack-destination "$destination" --json --silent | node -e '
    let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => console.log(JSON.parse(text)[0].filename));')"
  printf '%s/%s\n' "$destination" "$name"
}

# `npm install` of a tarball into a fresh folder; extra arguments are npm flags.
install_into() {
  local folder="$1" tarball="$2"; shift 2
  mkdir -p "$folder"
  printf '{ "name": "package-check", "private": true }\n' > "$folder/package.json"
  (cd "$folder" && npm install --no-audit --no-fund --loglevel=error "$@" "$tarball" >/dev/null)
}

size_of() { du -sh "$1" | cut -f1; }

[ -d dist ] || { echo "dist/ is missing: run npm run build first" >&2; exit 1; }

echo "== packing the node package as it is published (scripts/stage-package.sh)"
node_tarball="$(bash scripts/stage-package.sh "$WORK/pack")"
tar -tzf "$node_tarball" | sed 's#^package/##' | sort > "$WORK/contents"
echo "$(wc -l < "$WORK/contents") files in $(basename "$node_tarball") ($(size_of "$node_tarball") packed)"

if grep -q '^dist/' "$WORK/contents"; then ok "contains dist/"; else fail "no dist/ in the tarball"; fi

development_fields="$(tar -xOzf "$node_tarball" package/package.json | node -e '
  let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => {
    const manifest = JSON.parse(text);
    console.log(["overrides", "workspaces", "scripts"].filter((field) => field in manifest).join(" "));
  });')"
if [ -z "$development_fields" ]; then ok "published package.json has no overrides, workspaces or scripts"
else fail "published package.json keeps development-only fields: $development_fields"; fi

templates="$(cd workflows-templates 2>/dev/null && find . -name '*.json' | sed 's#^\./##' | sort || true)"
if [ -n "$templates" ]; then
  missing_templates="$(comm -23 <(printf '%s\n' "$templates") <(sed -n 's#^dist/workflows-templates/##p' "$WORK/contents"))"
  if [ -z "$missing_templates" ]; then ok "contains dist/workflows-templates ($(printf '%s\n' "$templates" | wc -l) templates)"
  else fail "templates missing from dist/workflows-templates: $missing_templates"; fi
else
  ok "no workflow templates yet, none expected"
fi

check_absent() {
  local what="$1" pattern="$2" found
  found="$(grep -E "$pattern" "$WORK/contents" || true)"
  if [ -z "$found" ]; then ok "no $what"; else fail "$what in the tarball:"$'\n'"$found"; fi
}
check_absent "test files" '(^|/)(test|tests|__tests__|fixtures)/|\.(test|spec)\.[cm]?[jt]s$|\.test\.d\.ts$'
check_absent "runtime files" '^(dist/)?runtime/'
check_absent "bench files" '^(dist/)?bench/'

# Every node and credential n8n is told about must be in the tarball.
node -e '
  const { n8n = {} } = require("./package.json");
  for (const path of [...(n8n.nodes || []), ...(n8n.credentials || [])]) console.log(path);' > "$WORK/declared"
if [ ! -s "$WORK/declared" ]; then
  fail "package.json lists no n8n.nodes or n8n.credentials"
else
  while IFS= read -r declared; do
    if grep -qxF "$declared" "$WORK/contents"; then ok "declared $declared"; else fail "declared in package.json but not packed: $declared"; fi
  done < "$WORK/declared"
fi

echo "== installing it the way n8n installs community packages"
install_into "$WORK/n8n-user/nodes" "$node_tarball" --ignore-scripts=true --install-strategy=shallow
installed="$WORK/n8n-user/nodes/node_modules"
for name in "${FORBIDDEN_IN_NODE_INSTALL[@]}"; do
  found="$(find "$installed" -type d -path "*node_modules/$name" | sed "s#^$WORK/##")"
  if [ -z "$found" ]; then ok "$name not installed"; else fail "$name installed with the node package: $found"; fi
done
node_package_size="$(size_of "$installed/n8n-nodes-payment-webhooks")"
node_folder_size="$(size_of "$installed")"
echo "node package with its own dependencies: $node_package_size (whole folder with the n8n-workflow peer: $node_folder_size)"

echo "== measuring the runtime package"
runtime_tarball="$(pack "$WORK/pack-runtime" -w runtime)"
# Scripts skipped: the measure is what npm places on disk, without compiling better-sqlite3.
install_into "$WORK/runtime-install" "$runtime_tarball" --ignore-scripts=true --omit=dev
runtime_size="$(size_of "$WORK/runtime-install/node_modules")"
echo "runtime package with its dependencies: $runtime_size"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi

measured_on="$(date -u +%Y-%m-%d)"
echo "installed: node package $node_package_size, nodes folder $node_folder_size, runtime $runtime_size"
if [ "${CI:-}" = "true" ]; then
  # CI checks a clean clone: it reports the sizes but leaves the tracked docs as they are.
  exit 0
fi
node_version="$(node --version)"
npm_version="$(npm --version)"
node -e '
  const fs = require("fs");
  const [file, nodePackage, nodeFolder, runtime, date, nodeVersion, npmVersion] = process.argv.slice(1);
  const block = [
    "<!-- sizes:start (written by scripts/check-package.sh) -->",
    `Measured ${date} with Node ${nodeVersion} and npm ${npmVersion}:`,
    "",
    "| Installed | Size on disk |",
    "|---|---|",
    `| n8n-nodes-payment-webhooks with its own dependencies | ${nodePackage} |`,
    `| the same n8n nodes folder including the n8n-workflow peer | ${nodeFolder} |`,
    `| payment-webhooks-runtime with its dependencies (before compiling better-sqlite3) | ${runtime} |`,
    "<!-- sizes:end -->",
  ].join("\n");
  const text = fs.readFileSync(file, "utf8");
  const updated = text.replace(/<!-- sizes:start[\s\S]*?<!-- sizes:end -->/, block);
  if (updated === text && !text.includes(block)) throw new Error(`no sizes block in ${file}`);
  fs.writeFileSync(file, updated);
' docs/packaging.md "$node_package_size" "$node_folder_size" "$runtime_size" "$measured_on" "$node_version" "$npm_version"
echo "sizes written to docs/packaging.md"

echo "package checks passed"
