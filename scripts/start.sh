#!/usr/bin/env bash
# `npm start`: the sample, from a fresh clone in one command. Installs the npm packages first when
# they are missing (a fresh clone), then compiles and starts the sample on http://127.0.0.1:3000.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then
  echo "node_modules is missing: installing the npm packages (npm ci) first"
  npm ci --no-audit --no-fund
fi

npx tsc -p tsconfig.sample.json
exec node dist-sample/sample/main.js
