# Spiking chaos models in the CLI: wrong flags are usage errors (2) naming the flag, bad model
# files runtime errors (1) naming the file. Run with -DCLI=... -DDATA=<tiny mnist>
# -DMODEL=<a chaos model> -DOUT=<scratch dir>.
include("${CMAKE_CURRENT_LIST_DIR}/expect.cmake")

expect_error(2 "--ticks applies to --preset chaosnet-mnist \\(spiking neurons\\), not to graph networks"
             "${CLI}" train --data "${DATA}" --validation 200 --ticks 3)
expect_error(2 "--fail-prob 1 would zero every hidden node"
             "${CLI}" train --data "${DATA}" --validation 200 --fail-prob 1)
expect_error(2 "--rescale scales the survivors of --fail-prob; give --fail-prob too"
             "${CLI}" train --data "${DATA}" --validation 200 --rescale)
expect_error(2 "--fail-in says when --fail-prob and --noise apply"
             "${CLI}" evolve --data "${DATA}" --validation 200 --fail-in train --out "${OUT}/chaos_exit_codes/evolve")
expect_error(2 "--rescale \\(the seed does not rescale\\) does not apply to --preset chaosnet-mnist"
             "${CLI}" train --data "${DATA}" --validation 200 --preset chaosnet-mnist --rescale)
expect_error(2 "--reinit redraws the weights of an --init model; give --init too"
             "${CLI}" train --data "${DATA}" --validation 200 --reinit)
expect_error(2 "--fail-in: both3 not in"
             "${CLI}" train --fail-in both3)
expect_error(2 "--edges does not apply to --preset chaosnet-mnist"
             "${CLI}" train --data "${DATA}" --validation 200 --preset chaosnet-mnist --edges 100)
foreach(bad IN ITEMS "--fail-prob;nan" "--fail-prob;1.5" "--noise;-1" "--ticks;0" "--neurons;0")
  list(GET bad 0 flag)
  list(GET bad 1 value)
  expect_error(2 "${flag}: ${value} is invalid; use a "
               "${CLI}" train --preset chaosnet-mnist ${flag} ${value})
endforeach()
expect_error(2 "--fail: 1.5 is invalid" "${CLI}" robustness "${MODEL}" --fail 1.5)
expect_error(2 "--csv ${MODEL} would overwrite"
             "${CLI}" robustness "${MODEL}" --data "${DATA}" --validation 200 --csv "${MODEL}")

set(scratch "${OUT}/chaos_exit_codes")
file(MAKE_DIRECTORY "${scratch}")
file(WRITE "${scratch}/graph.json" "{\"format\": \"chaosnet-model\", \"version\": 1}")
expect_error(1 "graph.json"
             "${CLI}" robustness "${scratch}/graph.json" --data "${DATA}" --validation 200)
file(READ "${MODEL}" text)
string(SUBSTRING "${text}" 0 200 head)
file(WRITE "${scratch}/truncated.json" "${head}")
expect_error(1 "truncated.json: is truncated"
             "${CLI}" robustness "${scratch}/truncated.json" --data "${DATA}" --validation 200)
