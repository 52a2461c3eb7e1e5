#!/usr/bin/env bash
# Vendor Chart.js from the npm registry into webapp/core/static/vendor/chartjs/.
#
#   bash scripts/vendor_chartjs.sh 4.6.1
#
# Takes the package with `npm pack` (no node_modules, nothing else installed), copies its
# minified UMD build and its licence, and writes VERSION with where it came from. Users never
# run npm: the copied files are committed and served by Django like any static file.
#
# The build's last line, `//# sourceMappingURL=chart.umd.min.js.map`, is dropped: the map is
# 1 MB we do not ship, and production's ManifestStaticFilesStorage refuses to collect a file
# whose source map it cannot find. Nothing else is changed (VERSION records both checksums).
set -euo pipefail

version="${1:?usage: $0 VERSION (e.g. 4.6.1)}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
dest="$repo/webapp/core/static/vendor/chartjs"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "chart.js@$version" >/dev/null)
tarball="$(ls "$work"/chart.js-*.tgz)"
tar -xzf "$tarball" -C "$work"
built="$work/package/dist/chart.umd.min.js"
head -c 200 "$built" | grep -q "Chart.js v$version" || { echo "unexpected build header in $built" >&2; exit 1; }

mkdir -p "$dest"
grep -v '^//# sourceMappingURL=' "$built" > "$dest/chart.umd.min.js"
cp "$work/package/LICENSE.md" "$dest/LICENSE.md"
cat > "$dest/VERSION" <<EOF
chart.js $version
source: npm registry, \`npm pack chart.js@$version\`, file package/dist/chart.umd.min.js
tarball sha256: $(sha256sum "$tarball" | cut -d' ' -f1)
package file sha256: $(sha256sum "$built" | cut -d' ' -f1)
vendored file sha256 (sourceMappingURL line dropped): $(sha256sum "$dest/chart.umd.min.js" | cut -d' ' -f1)
update: bash scripts/vendor_chartjs.sh NEW_VERSION, then make test (tests/e2e/test_charts.py draws every kind)
EOF
echo "vendored chart.js $version into $dest"
