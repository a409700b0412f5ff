#!/usr/bin/env bash
# Installs code-server (VS Code in the browser, from the npm registry) for the end-to-end tests, offline-safe.
# - code-server 4.100.3 is the newest release that accepts Node 20.
# - @vscode/ripgrep's post-install downloads a binary; it first looks in $TMPDIR/vscode-ripgrep-cache-<ver>/,
#   so we put Debian's rg there in the tarball it expects.
# Usage: scripts/install-code-server.sh [DIR]   (default: .code-server in the repo; reused when already installed)
set -euo pipefail
VERSION=4.100.3
DIR=${1:-"$(cd "$(dirname "$0")/.." && pwd)/.code-server"}
BIN="$DIR/node_modules/.bin/code-server"
if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "^$VERSION"; then
  echo "code-server $VERSION already in $DIR"; exit 0
fi

need=()
for p in chromium ripgrep libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "code-server needs these Debian packages: ${need[*]}" >&2; exit 1
  fi
fi

tmp=${TMPDIR:-/tmp}
cache="$tmp/vscode-ripgrep-cache-1.15.11"
mkdir -p "$cache"
stage=$(mktemp -d)
cp /usr/bin/rg "$stage/rg"
tar -czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$stage" rg
rm -rf "$stage"

mkdir -p "$DIR"
cd "$DIR"
# npm 11 runs dependency install scripts only when approved; code-server's post-install builds its native modules.
echo '{"name":"djperf-code-server","private":true,"allowScripts":{"code-server":true,"argon2":true}}' > package.json
npm_config_unsafe_perm=true npm_config_yes=true npm install --no-audit --no-fund --save-exact "code-server@$VERSION"
"$BIN" --version
