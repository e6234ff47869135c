# `lutfhe compile` and `lutfhe predict` on an ONNX model (models/ONNX.md) through the real
# binary, and the one-line error for an unsupported operator. Run by ctest:
#   cmake -DLUTFHE=<binary> -DSOURCE_DIR=<repo> -DWORK_DIR=<dir> -P onnx_cli.cmake
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(DATA ${SOURCE_DIR}/tests/data/onnx)

function(step name)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${WORK_DIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} failed (${rc}):\n${out}\n${err}")
  endif()
  set(STEP_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

step(compile ${LUTFHE} compile --model ${DATA}/tiny_mlp.onnx
     --calibration ${DATA}/tiny_mlp.calibration.csv --weight-bits 5 --activation-bits 5
     --input-bits 5 --out compiled -q)
foreach(f client.spec server.circuit compile_report.txt)
  if(NOT EXISTS ${WORK_DIR}/compiled/${f})
    message(FATAL_ERROR "compile wrote no ${f}")
  endif()
endforeach()

# Clear predictions of the imported model: one line per input, "class score...".
step(predict ${LUTFHE} predict --model ${DATA}/tiny_mlp.onnx --mode clear
     --input ${DATA}/tiny_mlp.inputs.csv --calibration ${DATA}/tiny_mlp.calibration.csv)
string(REGEX MATCHALL "[^\n]+" lines "${STEP_OUTPUT}")
list(LENGTH lines n)
if(NOT n EQUAL 32)
  message(FATAL_ERROR "predict printed ${n} lines, expected 32:\n${STEP_OUTPUT}")
endif()

# Without calibration samples: a one-line error asking for them.
execute_process(COMMAND ${LUTFHE} compile --model ${DATA}/tiny_mlp.onnx --out nocal
                WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "--calibration")
  message(FATAL_ERROR "compile without calibration: rc ${rc}, stderr:\n${err}")
endif()

# An unsupported operator: non-zero exit, one line naming the node and the operator.
execute_process(COMMAND ${LUTFHE} compile --model ${DATA}/unsupported_softmax.onnx
                --calibration ${DATA}/tiny_mlp.calibration.csv --out bad
                WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc ERROR_VARIABLE err)
string(STRIP "${err}" err)
if(rc EQUAL 0 OR NOT err MATCHES "node '/1/Softmax' \\(op Softmax\\): unsupported operator"
   OR err MATCHES "\n")
  message(FATAL_ERROR "unsupported operator: rc ${rc}, stderr:\n${err}")
endif()
# An accumulator bound while the search runs (it chooses bounds itself): one line, no output.
execute_process(COMMAND ${LUTFHE} compile --model ${DATA}/tiny_mlp.onnx
                --calibration ${DATA}/tiny_mlp.calibration.csv --accumulator-bits 6 --out bound
                WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc ERROR_VARIABLE err)
string(STRIP "${err}" err)
if(rc EQUAL 0 OR NOT err MATCHES "--no-search" OR err MATCHES "\n" OR EXISTS ${WORK_DIR}/bound)
  message(FATAL_ERROR "accumulator bound with the search: rc ${rc}, stderr:\n${err}")
endif()
message(STATUS "ONNX CLI ok")
