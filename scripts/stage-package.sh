#!/usr/bin/env bash
# Packs the node package as it is published: the repository's `npm pack` output with the
# development-only fields taken out of its package.json. `overrides` (isolated-vm for Node 20),
# `workspaces` (runtime/) and `scripts` (all of which need the repository) mean nothing to an
# installed package, and n8n's scanner refuses `overrides` in a published package.json.
# Usage: scripts/stage-package.sh DIR   (prints the staged tarball's path; DIR/package is the
# staged folder). Run `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/.."

DEVELOPMENT_ONLY_FIELDS=(overrides workspaces scripts)
destination="$1"
mkdir -p "$destination/repository-pack" "$destination/package"

# npm's own output goes to stderr; only the tarball's name goes to stdout.
packed_name() { node -e 'let t = ""; process.stdin.on("data", (d) => (t += d)).on("end", () => console.log(JSON.parse(t)[0].filename));'; }

repository_tarball="$destination/repository-pack/$(npm pack --pack-destination "$destination/repository-pack" --json --silent | packed_name)"
tar -xzf "$repository_tarball" -C "$destination/package" --strip-components=1
(cd "$destination/package" && npm pkg delete "${DEVELOPMENT_ONLY_FIELDS[@]}")
printf '%s/%s\n' "$destination" "$(cd "$destination/package" && npm pack --pack-destination .. --json --silent | packed_name)"
