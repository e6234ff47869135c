# One model of the suite (examples/model_suite, tests/data/model_suite) through the whole
# client/server chain of the real binary: compile (TOY parameters, fixed small bit widths, so it
# runs in seconds), keygen, encrypt, run, decrypt, with client and server in separate folders;
# the decrypted results must equal `lutfhe predict --mode simulate` line by line. Run by ctest:
#   cmake -DLUTFHE=<binary> -DSOURCE_DIR=<repo> -DWORK_DIR=<dir> -DNAME=<model> -DCOUNT=<n>
#         -P model_suite_chain.cmake
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/client ${WORK_DIR}/server)
set(DATA ${SOURCE_DIR}/tests/data/model_suite)
if(EXISTS ${DATA}/${NAME}.test.csv)
  set(TEST_SAMPLES ${DATA}/${NAME}.test.csv)
  set(CALIBRATION ${DATA}/${NAME}.calibration.csv)
else()
  set(TEST_SAMPLES ${DATA}/${NAME}.test.idx.gz)
  set(CALIBRATION ${DATA}/${NAME}.calibration.idx.gz)
endif()

function(step name)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${WORK_DIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NAME}: ${name} failed (${rc}):\n${out}\n${err}")
  endif()
  set(STEP_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

step(compile ${LUTFHE} compile --model ${DATA}/${NAME}.onnx --calibration ${CALIBRATION}
     --no-search --weight-bits 4 --activation-bits 3 --input-bits 4 --params TOY
     --rounding-bits 3 --out client/compiled -q)
file(RENAME ${WORK_DIR}/client/compiled/server.circuit ${WORK_DIR}/server/server.circuit)
step(keygen ${LUTFHE} keygen --spec client/compiled/client.spec --client-key client/client.key
     --server-key server/server.key -q)
step(encrypt ${LUTFHE} encrypt --spec client/compiled/client.spec --client-key client/client.key
     --input ${TEST_SAMPLES} --count ${COUNT} --out server/in.ct -q)
step(run ${LUTFHE} run --circuit server/server.circuit --server-key server/server.key
     --in server/in.ct --out server/out.ct --threads 2 -q)
step(decrypt ${LUTFHE} decrypt --spec client/compiled/client.spec --client-key client/client.key
     --in server/out.ct)
set(fhe "${STEP_OUTPUT}")
# The simulation needs the server circuit beside the client spec.
file(COPY ${WORK_DIR}/server/server.circuit DESTINATION ${WORK_DIR}/client/compiled)
step(simulate ${LUTFHE} predict --compiled client/compiled --mode simulate
     --input ${TEST_SAMPLES} --count ${COUNT} -q)
set(sim "${STEP_OUTPUT}")
string(REGEX MATCHALL "[^\n]+" lines "${fhe}")
list(LENGTH lines n)
if(NOT n EQUAL COUNT)
  message(FATAL_ERROR "${NAME}: decrypt printed ${n} lines for ${COUNT} samples:\n${fhe}")
endif()
if(NOT fhe STREQUAL sim)
  message(FATAL_ERROR "${NAME}: decrypted results differ from the simulation:\n${fhe}\nvs\n${sim}")
endif()
message(STATUS "${NAME}: FHE equals simulate on ${COUNT} test samples:\n${fhe}")
