#!/usr/bin/env bash
# Installs the Debian 12 packages internvl.cpp builds and tests with. Run as root (or via sudo).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# ocl-icd-opencl-dev: Debian's oneDNN CMake config (dnnl-config.cmake) requires OpenCL, which
# libdnnl-dev only recommends, so --no-install-recommends alone leaves configure failing.
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake ninja-build pkg-config git ca-certificates \
  nlohmann-json3-dev zlib1g-dev libzip-dev \
  libjpeg62-turbo-dev libpng-dev libwebp-dev libgif-dev libexif-dev \
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev \
  libcurl4-openssl-dev libpcre2-dev libutf8proc-dev libdnnl-dev libomp-dev \
  ocl-icd-opencl-dev \
  libcpp-httplib-dev libcli11-dev libssl-dev \
  libgtest-dev libgmock-dev libbenchmark-dev
# The server tests drive the server with the `openai` npm client. A Node.js from another source
# (e.g. NodeSource) already brings npm and conflicts with Debian's npm package: keep it.
if ! command -v npm > /dev/null; then
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
