#!/usr/bin/env bash
# From a fresh clone to an answer: installs the Debian packages, builds the `internvl` program
# and asks the bundled tiny checkpoint about a bundled image.
#
#   scripts/quickstart.sh
#
# The tiny checkpoint has random weights: the answer is noise. It shows that everything runs;
# see README.md for real weights.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release
cmake --build --preset release --target internvl
build/release/bin/internvl run \
  -m build/release/models/tiny-internvl3-qwen2 \
  --image tests/fixtures/images/small_600x300.png \
  -p "Describe this image." -n 24
