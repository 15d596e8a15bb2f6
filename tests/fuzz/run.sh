#!/usr/bin/env bash
# Builds the libFuzzer targets with clang under AddressSanitizer + UBSan and runs each on a copy
# of its seed corpus (tests/fuzz/corpus/<target>/ is never written to).
#
#   tests/fuzz/run.sh [SECONDS | -runs=N] [TARGET...]
#
# Each target runs for SECONDS (default 60) or N executions. TARGETs: idx_plain, idx_gzip,
# model_file, checkpoint (default: all, one after another). Works from any directory.
# Environment: FUZZ_BUILD_DIR (default: build-fuzz/ at the repository root), FUZZ_MAX_LEN (the
# largest input in bytes, default 65536).
#
# Prints a line per target and exits 1 if any found something: a crash, a sanitizer report, a
# leak, an uncaught exception, a failed check, a timeout (10 s) or too much memory (2 GiB
# resident, 512 MiB in one allocation). The input is saved in $FUZZ_BUILD_DIR/findings/<target>/,
# the report in $FUZZ_BUILD_DIR/logs/<target>.log. Installs nothing: clang and libFuzzer come
# from `data/setup.sh --fuzz`.

set -euo pipefail

fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "${fuzz_dir}/../.." && pwd)
build=${FUZZ_BUILD_DIR:-${root}/build-fuzz}
max_len=${FUZZ_MAX_LEN:-65536}
all_targets=(idx_plain idx_gzip model_file checkpoint)

usage() {
  echo "usage: tests/fuzz/run.sh [SECONDS | -runs=N] [TARGET...]   (targets: ${all_targets[*]})" >&2
  exit 2
}

budget=(-max_total_time=60)
if (($# > 0)); then
  case "$1" in
    -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -runs=[1-9]*) budget=("$1") ;;
    [1-9]*) budget=(-max_total_time="$1") ;;
    *) usage ;;
  esac
  [[ "${budget[0]#*=}" =~ ^[0-9]+$ ]] || usage
  shift
fi
targets=("$@")
((${#targets[@]} > 0)) || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" ${target} "* ]] || usage
done

missing() {
  echo "run.sh: error: $1; install clang and libfuzzer-14-dev" \
       "(apt-get install clang libfuzzer-14-dev libclang-rt-14-dev, or data/setup.sh --fuzz)" >&2
  exit 1
}
clang=$(command -v clang++) || missing "clang++ is not on PATH"
scratch=$(mktemp -d)
trap 'rm -rf "${scratch}"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
  > "${scratch}/probe.cpp"
if ! "${clang}" -fsanitize=fuzzer,address,undefined "${scratch}/probe.cpp" -o "${scratch}/probe" \
     2> "${scratch}/probe.log"; then
  head -n 5 "${scratch}/probe.log" | sed 's/^/    /' >&2
  missing "${clang} cannot link a libFuzzer target with ASan and UBSan"
fi

mkdir -p "${build}/logs"
run_logged() {  # run_logged LOG COMMAND...: quiet unless the command fails
  "${@:2}" > "$1" 2>&1 && return
  tail -n 40 "$1" >&2
  echo "run.sh: error: $2 failed, see $1" >&2
  exit 1
}
echo "fuzz: building ${targets[*]} in ${build}"
run_logged "${build}/logs/configure.log" \
  cmake -S "${fuzz_dir}" -B "${build}" -DCMAKE_CXX_COMPILER="${clang}"
run_logged "${build}/logs/build.log" cmake --build "${build}" -j "$(nproc)" \
  --target "${targets[@]/%/_fuzz}"

# Targets whose reader takes only a path write each input to a file under TMPDIR: keep it in
# memory when /dev/shm is there.
if [[ -d /dev/shm && -w /dev/shm ]]; then
  TMPDIR=$(mktemp -d /dev/shm/chaosnet-fuzz.XXXXXX)
  trap 'rm -rf "${scratch}" "${TMPDIR}"' EXIT
fi
export TMPDIR=${TMPDIR:-${scratch}}
# A quarantine of 16 MiB instead of ASan's 256 still holds far more than one small input frees;
# with the default, nearly every allocation lands on fresh pages, which made the targets 3x slower.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

found=0
for target in "${targets[@]}"; do
  corpus=${build}/corpus/${target}
  findings=${build}/findings/${target}
  log=${build}/logs/${target}.log
  rm -rf "${corpus}" "${findings}"
  mkdir -p "${corpus}" "${findings}"
  cp -R "${fuzz_dir}/corpus/${target}/." "${corpus}/"
  dict=${fuzz_dir}/json.dict
  [[ "${target}" == idx_* ]] && dict=${fuzz_dir}/idx.dict

  start=${SECONDS}
  status=0
  "${build}/${target}_fuzz" "${budget[@]}" -max_len="${max_len}" -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=512 -dict="${dict}" -print_final_stats=1 \
    -artifact_prefix="${findings}/" "${corpus}" > "${log}" 2>&1 || status=$?
  elapsed=$((SECONDS - start))
  # The final statistics, or the last progress line if the run ended without them.
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "${log}" | tail -n 1)
  [[ -n "${runs}" ]] || runs=$(grep -oE '^#[0-9]+' "${log}" | tail -n 1 | tr -d '#')
  saved=$(find "${findings}" -type f | sort)
  if ((status == 0)) && [[ -z "${saved}" ]]; then
    echo "fuzz ${target}: ${runs:-0} runs in ${elapsed} s, no findings"
  else
    found=1
    echo "fuzz ${target}: ${runs:-0} runs in ${elapsed} s, FOUND SOMETHING (exit ${status})"
    echo "    report: ${log}"
    grep -E 'ERROR: |SUMMARY: |runtime error: |fuzz check failed|terminate called|what\(\): ' \
      "${log}" |
      head -n 6 | sed 's/^/    /' || true
    [[ -z "${saved}" ]] || sed 's/^/    input: /' <<< "${saved}"
  fi
done
exit "${found}"
