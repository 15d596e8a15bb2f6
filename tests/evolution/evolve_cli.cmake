# `chaosnet evolve` exit codes: 0 on success, 1 on a runtime error (bad data, no or damaged
# checkpoint), 2 on bad usage (unknown or out-of-range values, a run-defining option with
# --resume, an --out that already holds a run or cannot be written).
# Run with -DCLI=... -DDATA=<tiny mnist> -DOUT=<scratch dir>.
include("${CMAKE_CURRENT_LIST_DIR}/../cli/expect.cmake")

file(REMOVE_RECURSE "${OUT}")
set(tiny --data "${DATA}" --validation 200 --population 2 --budgets 300 --steps 5 --generations 1)
expect_exit(0 "${CLI}" evolve --help)
expect_exit(2 "${CLI}" evolve --batch 7)
expect_exit(2 "${CLI}" evolve --selection best)
expect_exit(2 "${CLI}" evolve --population 1)
expect_exit(1 "${CLI}" evolve --data "${OUT}/no-such-dir" --out "${OUT}/missing-data")
expect_exit(1 "${CLI}" evolve --resume "${OUT}/no-such-run")

# Every numeric flag: NaN, infinities, negative counts (which would wrap around: --max-edges -1
# would mean no cap) and absurd values are usage errors naming the flag.
foreach(bad IN ITEMS "--validation;0" "--eval-samples;-1" "--population;-1" "--steps;-1"
                     "--morph-every;nan" "--hidden;-1" "--input-edges;nan" "--input-edges;inf"
                     "--node-edges;-1" "--node-rate;nan" "--edge-rate;nan" "--prune-rate;nan"
                     "--size-bonus;nan" "--accuracy-window;nan" "--dominance-margin;nan"
                     "--max-edges;-1" "--lr;nan" "--seed;-1" "--minutes;nan" "--minutes;inf"
                     "--minutes;-1" "--generations;-1" "--threads;-1" "--threads;100000"
                     "--budgets;0" "--budgets;-5" "--grow-rate;nan" "--rewire-rate;2"
                     "--split-rate;-1" "--crossover;nan" "--fine-tune-epochs;-1"
                     "--fine-tune-lr;nan" "--fine-tune-lr;0" "--founder-epochs;0"
                     "--founder-epochs;-3" "--immigrant-every;-1" "--immigrant-epochs;0")
  list(GET bad 0 flag)
  list(GET bad 1 value)
  expect_error(2 "${flag}: ${value} is invalid; use a " "${CLI}" evolve ${flag} ${value})
endforeach()
expect_error(2 "--threads: 5000 is invalid; use a whole number in \\[0, 1024\\]\n"
             "${CLI}" evolve --threads 5000)
expect_error(2 "--lr-schedule: linear not in" "${CLI}" evolve --lr-schedule linear)

# Outputs are checked before any training: a file as --out, a directory as --json, a --json
# that would overwrite the run's checkpoint. None of these runs creates its --out.
file(WRITE "${OUT}/a-file" "")
expect_error(2 "--out ${OUT}/a-file is a file, not a directory"
             "${CLI}" evolve ${tiny} --out "${OUT}/a-file")
expect_error(2 "--json ${OUT} is a directory"
             "${CLI}" evolve ${tiny} --out "${OUT}/never" --json "${OUT}")
expect_error(2 "--json ${OUT}/never/checkpoint.json would overwrite"
             "${CLI}" evolve ${tiny} --out "${OUT}/never" --json "${OUT}/never/checkpoint.json")
expect_error(2 "--json ${OUT}/a-file/summary.json cannot be created"
             "${CLI}" evolve ${tiny} --out "${OUT}/never" --json "${OUT}/a-file/summary.json")
if(EXISTS "${OUT}/never")
  message(FATAL_ERROR "a run refused for its outputs created ${OUT}/never")
endif()
# A fractional time budget, as CI's short main job uses.
expect_exit(0 "${CLI}" evolve --data "${DATA}" --validation 200 --population 2 --steps 5
            --budgets 150,300 --minutes 0.02 --out "${OUT}/fractional")
# Founder epochs train founders: with founders of another kind they are a usage error.
expect_error(2 "--founder-epochs trains founders to their budgets; it needs --founders trained"
             "${CLI}" evolve --data "${DATA}" --founders layered --founder-epochs 3 --out "${OUT}/never")
# Immigrants are trained to a budget: without trained or layered founders there is none.
expect_error(2 "--immigrant-every trains immigrants to their budgets; it needs --founders trained or layered"
             "${CLI}" evolve --data "${DATA}" --founders seed --immigrant-every 2 --out "${OUT}/never")
# A run that takes in immigrants in generation 2 says so and finishes.
execute_process(COMMAND "${CLI}" evolve --data "${DATA}" --validation 200 --population 2 --budgets 300
                        --steps 5 --generations 2 --founder-epochs 1 --immigrant-every 2
                        --immigrant-epochs 1 --out "${OUT}/immigrants"
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT result EQUAL 0 OR NOT out MATCHES "generation 2: training 1 immigrant to its budget \\(1 epochs each\\)")
  message(FATAL_ERROR "an immigrant run failed or did not announce its immigrants: ${result}\n${out}${err}")
endif()
# More budgets than members, budgets out of order or above the cap: usage errors that say so.
set(tiny_no_budgets --data "${DATA}" --validation 200 --population 2 --steps 5 --generations 1)
expect_error(2 "population 2 is smaller than the 3 budgets"
             "${CLI}" evolve ${tiny_no_budgets} --budgets 100,200,300 --out "${OUT}/too-many-budgets")
expect_error(2 "strictly increasing"
             "${CLI}" evolve ${tiny_no_budgets} --budgets 300,200 --out "${OUT}/unordered")
expect_error(2 "above the cap"
             "${CLI}" evolve ${tiny_no_budgets} --budgets 100,400 --max-edges 300 --out "${OUT}/above-cap")
expect_exit(0 "${CLI}" evolve ${tiny} --out "${OUT}/run")
expect_exit(2 "${CLI}" evolve ${tiny} --out "${OUT}/run")
expect_exit(2 "${CLI}" evolve --resume "${OUT}/run" --population 3)
expect_exit(0 "${CLI}" evolve --resume "${OUT}/run" --generations 2 --data "${DATA}")
file(WRITE "${OUT}/run/checkpoint.json" "garbage")
file(WRITE "${OUT}/run/checkpoint.prev.json" "")
expect_exit(1 "${CLI}" evolve --resume "${OUT}/run" --generations 3 --data "${DATA}")
