#!/usr/bin/env bash
# Installs what the editor suites need, once, and caches it:
#   - Debian packages: chromium (the browser playwright-core drives), ripgrep (the `rg` VS Code's
#     search uses; its npm package would download one and cannot here), libkrb5-dev and build tools
#     (to build code-server's native modules), installed with apt-get when missing and we are root;
#   - code-server 4.100.3 (VS Code 1.100.3 in a browser; the last release that runs on Node 20),
#     from the npm registry, with its native modules rebuilt for this Node, under
#     .cache/code-server-<version>/ (git-ignored).
#
# Idempotent: a finished install leaves a stamp file and a second run returns at once. A run that
# died half-way leaves no stamp, so the next run starts that folder again from scratch.
#
# Usage: scripts/e2e/install-code-server.sh        (prints the code-server entry point last)
# Env:   CODE_SERVER_VERSION (default 4.100.3), PODPATH_E2E_CACHE (default <repo>/.cache)
set -euo pipefail

VERSION="${CODE_SERVER_VERSION:-4.100.3}"
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="${PODPATH_E2E_CACHE:-$REPO/.cache}"
DIR="$CACHE/code-server-$VERSION"
STAMP="$DIR/.installed"
CS="$DIR/node_modules/code-server"
VSC="$CS/lib/vscode"

log() { echo "[install-code-server] $*" >&2; }

# One install at a time (two suites started together wait for each other, not race).
mkdir -p "$CACHE"
exec 9>"$CACHE/.install.lock"
flock -w 1800 9 || { log "timed out waiting for $CACHE/.install.lock"; exit 1; }

# ---- Debian packages -----------------------------------------------------------------------
need=()
for pkg in chromium ripgrep libkrb5-dev build-essential python3 pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  else
    log "missing Debian packages: ${need[*]} (not root: install them with apt-get, then rerun)"
    exit 1
  fi
fi

# ---- code-server ---------------------------------------------------------------------------
if [ -f "$STAMP" ] && [ -f "$CS/out/node/entry.js" ]; then
  log "cached: $DIR"
  echo "$CS/out/node/entry.js"
  exit 0
fi

started=$(date +%s)
rm -rf "$DIR"
mkdir -p "$DIR"
cd "$DIR"
echo '{"name":"podpath-e2e-code-server","private":true}' > package.json

# --ignore-scripts: code-server's postinstall would fetch and build things this machine cannot.
log "npm install code-server@$VERSION"
npm install --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$VERSION" >&2

# argon2 hashes passwords; with --auth none it is still loaded at start-up.
log "npm rebuild argon2"
npm rebuild --loglevel=error argon2 >&2

# VS Code's own server dependencies (production only), then its native modules for this Node.
cd "$VSC"
log "npm install (lib/vscode, production dependencies)"
npm install --ignore-scripts --omit=dev --no-audit --no-fund --loglevel=error >&2
log "npm rebuild of VS Code's native modules"
npm_config_yes=true npm rebuild --loglevel=error kerberos @parcel/watcher @vscode/spdlog native-watchdog node-pty >&2

# The server resolves some modules through node_modules.asar (as packaged builds do).
ln -sfn node_modules node_modules.asar

# @vscode/ripgrep's install step downloads its binary: use Debian's instead.
mkdir -p node_modules/@vscode/ripgrep/bin
cp /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg

echo "$VERSION installed $(date -u +%FT%TZ) in $(( $(date +%s) - started ))s" > "$STAMP"
log "installed code-server $VERSION in $(( $(date +%s) - started ))s: $DIR"
echo "$CS/out/node/entry.js"
