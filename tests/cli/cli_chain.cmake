# The compiler's command chain through the real binary, client and server in separate
# directories. Run by ctest: cmake -DLUTFHE=<binary> -DSOURCE_DIR=<repo> -DWORK_DIR=<dir> -P ...
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/client ${WORK_DIR}/server)
set(MODEL ${SOURCE_DIR}/examples/models/tiny_mlp.json)
# Calibration: a grid over the input range; inputs: the hand-computed sample first.
set(cal "")
foreach(a 0 1.25 2.5 3.75)
  foreach(b 0 1.5 3)
    foreach(c 0 2 3.5)
      foreach(d 0 1 2.75)
        string(APPEND cal "${a},${b},${c},${d}\n")
      endforeach()
    endforeach()
  endforeach()
endforeach()
file(WRITE ${WORK_DIR}/client/calibration.csv "${cal}")
file(WRITE ${WORK_DIR}/client/x.csv "1.0,0.5,0.25,2.0\n3,0,0,0.5\n0,3.5,1,1\n")

function(step name)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${WORK_DIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} failed (${rc}):\n${out}\n${err}")
  endif()
  set(STEP_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

step(compile ${LUTFHE} compile --model ${MODEL} --calibration client/calibration.csv
     --out client/compiled --rounding-bits 5 -q)
file(RENAME ${WORK_DIR}/client/compiled/server.circuit ${WORK_DIR}/server/server.circuit)
step(keygen ${LUTFHE} keygen --spec client/compiled/client.spec --client-key client/client.key
     --server-key server/server.key -q)
step(encrypt ${LUTFHE} encrypt --spec client/compiled/client.spec --client-key client/client.key
     --input client/x.csv --out server/in.ct -q)
step(run ${LUTFHE} run --circuit server/server.circuit --server-key server/server.key
     --in server/in.ct --out server/out.ct --threads 2 -q)
step(decrypt ${LUTFHE} decrypt --spec client/compiled/client.spec --client-key client/client.key
     --in server/out.ct)
set(fhe "${STEP_OUTPUT}")
# Without -q, run reports key loading, time per sample and how busy its threads were.
execute_process(COMMAND ${LUTFHE} run --circuit server/server.circuit --server-key server/server.key
                --in server/in.ct --out server/out2.ct --threads 2
                WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT err MATCHES "key loaded in [0-9.]+ s; 3 samples, [0-9]+ bootstraps, evaluated in [0-9.]+ s \\([0-9.]+ ms per sample, 2 threads, CPU busy ([0-9]+)%")
  message(FATAL_ERROR "run's summary is missing or malformed (${rc}):\n${err}")
endif()
if(CMAKE_MATCH_1 LESS 1 OR CMAKE_MATCH_1 GREATER 105)
  message(FATAL_ERROR "run's CPU share ${CMAKE_MATCH_1}% is outside 1-105%:\n${err}")
endif()
step(predict ${LUTFHE} predict --model ${MODEL} --mode simulate --input client/x.csv
     --calibration client/calibration.csv --rounding-bits 5 -q)
set(sim "${STEP_OUTPUT}")
if(NOT fhe STREQUAL sim)
  message(FATAL_ERROR "decrypted results differ from the simulation:\n${fhe}\nvs\n${sim}")
endif()
# The first sample was worked out by hand (MODEL_FORMAT.md): class 0, scores 0.75 and -1.
string(REGEX MATCH "^[^\n]*" first "${fhe}")
if(NOT first STREQUAL "0 0.75 -1")
  message(FATAL_ERROR "first prediction is '${first}', expected '0 0.75 -1'")
endif()
message(STATUS "compiler CLI chain ok:\n${fhe}")
