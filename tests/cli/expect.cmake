# Checks of a command's exit code and error, shared by the CLI test scripts.

# expect_exit(CODE COMMAND...): the command exits with CODE.
function(expect_exit code)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL code)
    message(FATAL_ERROR "expected exit code ${code}, got ${result}: ${ARGN}\n${out}${err}")
  endif()
endfunction()

# expect_error(CODE REGEX COMMAND...): exit code CODE and an error matching REGEX.
function(expect_error code pattern)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL code OR NOT "${err}" MATCHES "${pattern}")
    message(FATAL_ERROR "expected exit code ${code} and an error matching '${pattern}', got "
                        "${result}: ${ARGN}\n${out}${err}")
  endif()
endfunction()
