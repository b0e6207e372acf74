#!/usr/bin/env bash
# Builds everything and runs the whole test suite (unit, golden, model and e2e levels), as CI
# does. Needs the packages of scripts/install-deps.sh; installs the server tests' npm packages
# (tests/server) when they are missing.
#
#   scripts/test.sh            # release build in build/release, ctest with 2 jobs
#   JOBS=8 scripts/test.sh     # more test jobs
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f tests/server/package.json ] && [ ! -d tests/server/node_modules ]; then
  npm ci --prefix tests/server --no-audit --no-fund
fi
cmake --preset release
cmake --build --preset release
ctest --preset release -j "${JOBS:-2}"
