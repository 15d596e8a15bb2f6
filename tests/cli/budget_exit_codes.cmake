# `chaosnet train --edges`: the summary of the budget run (cli_train_budget_tiny) reports the
# budget it kept, and flags that contradict a budget run are usage errors (exit code 2) naming
# the flag. Run with -DCLI=... -DDATA=<tiny mnist> -DSUMMARY=<that run's --json>.
include("${CMAKE_CURRENT_LIST_DIR}/expect.cmake")

file(READ "${SUMMARY}" summary)
foreach(field IN ITEMS budget start_edges edges rewirings best_epoch)
  string(JSON ${field} GET "${summary}" ${field})
endforeach()
if(NOT budget EQUAL 300 OR NOT start_edges EQUAL 3000 OR edges GREATER 300 OR rewirings LESS 1
   OR best_epoch LESS 1)
  message(FATAL_ERROR "budget run summary: budget ${budget}, start_edges ${start_edges}, edges ${edges}, "
                      "rewirings ${rewirings}, best_epoch ${best_epoch}\n${summary}")
endif()

expect_error(2 "--hidden builds a preset network; with --edges use --layers"
             "${CLI}" train --data "${DATA}" --validation 200 --edges 300 --hidden 5)
expect_error(2 "--start-edges 10 is below --edges 300"
             "${CLI}" train --data "${DATA}" --validation 200 --start-edges 10 --edges 300 --layers 20)
expect_error(2 "--start-edges 20000 is more than the 15880 edges --layers allows"
             "${CLI}" train --data "${DATA}" --validation 200 --start-edges 20000 --edges 300 --layers 20)
expect_error(2 "--regrowth: sideways not in"
             "${CLI}" train --data "${DATA}" --validation 200 --edges 300 --regrowth sideways)
expect_error(2 "--layers: 0 is invalid"
             "${CLI}" train --data "${DATA}" --validation 200 --edges 300 --layers 20,0)
