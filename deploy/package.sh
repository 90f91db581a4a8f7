#!/usr/bin/env bash
# Builds orderbridge's release binary and its .deb into dist/:
#
#   deploy/package.sh [VERSION]      # VERSION defaults to git describe
#
# The binary is static (CGO_ENABLED=0) and built with the release
# toolchain, RELEASE_GOTOOLCHAIN (default go1.27.3, fetched through the
# module proxy: go1.26.8 has known net/http and html/template
# vulnerabilities); RELEASE_GOTOOLCHAIN=local builds with the installed Go.
# nfpm is a tool of its own module (deploy/tools/go.mod), pinned there so
# that its ~80 dependencies stay out of orderbridge's go.mod.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-$(git describe --tags --always --dirty 2>/dev/null || echo v0.0.0-dev)}"
commit="$(git rev-parse HEAD 2>/dev/null || true)"
date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
export GOARCH="${GOARCH:-$(go env GOARCH)}"
# nfpm wants a semantic version without the leading v; a build that is no
# release (git describe gave a bare commit) is a 0.0.0-dev prerelease
# naming it.
pkgversion="${version#v}"
case "$pkgversion" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) pkgversion="0.0.0-dev.$(printf %s "$pkgversion" | tr -c 'A-Za-z0-9' '.' | tr -s '.' | sed 's/^\.//; s/\.$//')" ;;
esac
export VERSION="$pkgversion"

mkdir -p dist
GOTOOLCHAIN="${RELEASE_GOTOOLCHAIN:-go1.27.3}" CGO_ENABLED=0 go build -buildvcs=false -trimpath \
  -ldflags "-s -w -X 'github.com/orderbridge/orderbridge/internal/buildinfo.stamp=version=${version} commit=${commit} date=${date}'" \
  -o dist/orderbridge ./cmd/orderbridge
dist/orderbridge version

go tool -modfile=deploy/tools/go.mod nfpm package --config deploy/nfpm.yaml --packager deb --target dist/
ls -l dist/*.deb
