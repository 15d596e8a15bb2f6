# The CLI's exit codes: 0 on success, 1 on a runtime error (bad file), 2 on bad usage, with an
# error that names the flag or file. Run with -DCLI=... -DDATA=<tiny mnist> -DMODEL=<a model>
# -DOUT=<scratch dir>.
include("${CMAKE_CURRENT_LIST_DIR}/expect.cmake")

expect_exit(0 "${CLI}" --help)
expect_exit(2 "${CLI}" train --batch 7)
expect_exit(2 "${CLI}" train --no-such-flag)
expect_exit(2 "${CLI}")
expect_exit(1 "${CLI}" train --data "${OUT}/no-such-dir")
file(WRITE "${OUT}/corrupt.model.json" "{\"format\": \"chaosnet-model\", \"version\": 1, \"nodes\": [")
expect_exit(1 "${CLI}" eval "${OUT}/corrupt.model.json" --data "${OUT}/no-such-dir")

# Numeric flags: NaN, infinities, negative counts (which would wrap around) and absurd values
# are usage errors naming the flag, with the range written readably.
foreach(bad IN ITEMS "--hidden;-1" "--epochs;nan" "--epochs;0" "--lr;nan" "--lr;inf" "--lr;0"
                     "--momentum;nan" "--seed;-1" "--validation;-1" "--validation;0")
  list(GET bad 0 flag)
  list(GET bad 1 value)
  expect_error(2 "${flag}: ${value} is invalid; use a " "${CLI}" train ${flag} ${value})
endforeach()
expect_error(2 "--momentum: 2 is invalid; use a finite number in \\[0, 0.999\\]\n"
             "${CLI}" train --momentum 2)
expect_error(2 "--lr: 1e300 is invalid; use a finite number in \\(0, 10\\]\n"
             "${CLI}" train --lr 1e300)
# An empty validation split is not a result; eval's model must exist for the parse to get there.
expect_error(2 "--validation: 0 is invalid; use a whole number >= 1"
             "${CLI}" eval "${MODEL}" --validation 0)

# An empty test file is refused, not reported as 0% accuracy.
set(no_test "${OUT}/exit_codes/no-test-images")
file(MAKE_DIRECTORY "${no_test}")
file(COPY "${DATA}/train-images-idx3-ubyte" "${DATA}/train-labels-idx1-ubyte" DESTINATION "${no_test}")
execute_process(COMMAND printf "\\000\\000\\010\\003\\000\\000\\000\\000\\000\\000\\000\\034\\000\\000\\000\\034"
                OUTPUT_FILE "${no_test}/t10k-images-idx3-ubyte")
execute_process(COMMAND printf "\\000\\000\\010\\001\\000\\000\\000\\000"
                OUTPUT_FILE "${no_test}/t10k-labels-idx1-ubyte")
expect_error(1 "t10k-images-idx3-ubyte: holds no samples"
             "${CLI}" eval "${MODEL}" --data "${no_test}" --validation 200)

# Outputs: never an input of the same command, never a directory or under a file; all checked
# before any work.
set(scratch "${OUT}/exit_codes")
file(COPY "${MODEL}" DESTINATION "${scratch}")
get_filename_component(model_name "${MODEL}" NAME)
set(model "${scratch}/${model_name}")
file(WRITE "${scratch}/a-file" "")
expect_error(2 "--json ${model} would overwrite"
             "${CLI}" eval "${model}" --data "${DATA}" --validation 200 --json "${model}")
expect_error(2 "--dot ${scratch}/../exit_codes/${model_name} would overwrite"
             "${CLI}" export "${model}" --dot "${scratch}/../exit_codes/${model_name}")
expect_error(2 "--json ${DATA}/train-labels-idx1-ubyte would overwrite"
             "${CLI}" train --data "${DATA}" --validation 200 --json "${DATA}/train-labels-idx1-ubyte")
expect_error(2 "--dot ${scratch} is a directory"
             "${CLI}" export "${model}" --dot "${scratch}")
expect_error(2 "--json ${scratch}/a-file/x.json cannot be created: .*a-file is a file"
             "${CLI}" eval "${model}" --data "${DATA}" --validation 200 --json "${scratch}/a-file/x.json")
foreach(flag IN ITEMS --save --log --json)
  expect_error(2 "${flag} ${scratch} is a directory: give the path of a file\n"
               "${CLI}" train --data "${DATA}" --validation 200 ${flag} "${scratch}")
endforeach()

# A diverging run exits with 1 and its warning speaks of the flag (the library's message names
# the learning rate; the CLI maps it to --lr).
expect_error(1 "warning: the training loss became NaN.*\\(try a smaller --lr\\)\n"
             "${CLI}" train --data "${DATA}" --validation 200 --hidden 30 --epochs 1
             --optimizer sgd --lr 10)
