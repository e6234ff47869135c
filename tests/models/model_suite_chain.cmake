# One model of the suite (examples/model_suite, tests/data/model_suite) through the whole
# client/server chain of the real binary: compile (TOY parameters, fixed small bit widths, so it
# runs in seconds), keygen, encrypt, run, decrypt, with client and server in separate folders;
# the decrypted results must equal `lutfhe predict --mode simulate` line by line. Run by ctest:
#   cmake -DLUTFHE=<binary> -DSOURCE_DIR=<repo> -DWORK_DIR=<dir> -DNAME=<model> -DCOUNT=<n>
#         [-DMODEL=<model, when NAME names a variant> -DACCUMULATOR_BITS=<P> -DLOOKUPS=<n>]
#         -P model_suite_chain.cmake
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/client ${WORK_DIR}/server)
set(DATA ${SOURCE_DIR}/tests/data/model_suite)
if(NOT DEFINED MODEL)
  set(MODEL ${NAME})
endif()
if(EXISTS ${DATA}/${MODEL}.test.csv)
  set(TEST_SAMPLES ${DATA}/${MODEL}.test.csv)
  set(CALIBRATION ${DATA}/${MODEL}.calibration.csv)
else()
  set(TEST_SAMPLES ${DATA}/${MODEL}.test.idx.gz)
  set(CALIBRATION ${DATA}/${MODEL}.calibration.idx.gz)
endif()

function(step name)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${WORK_DIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NAME}: ${name} failed (${rc}):\n${out}\n${err}")
  endif()
  set(STEP_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

# With -DACCUMULATOR_BITS=P: 2-bit inputs and accumulators bounded to P bits (accumulator-aware
# quantization), which at r = P must take one bootstrap per lookup.
if(DEFINED ACCUMULATOR_BITS)
  set(QUANTIZATION --input-bits 2 --accumulator-bits ${ACCUMULATOR_BITS}
                   --rounding-bits ${ACCUMULATOR_BITS})
else()
  set(QUANTIZATION --input-bits 4 --rounding-bits 3)
endif()
step(compile ${LUTFHE} compile --model ${DATA}/${MODEL}.onnx --calibration ${CALIBRATION}
     --no-search --weight-bits 4 --activation-bits 3 ${QUANTIZATION} --params TOY
     --out client/compiled -q)
if(DEFINED ACCUMULATOR_BITS)
  file(READ ${WORK_DIR}/client/compiled/compile_report.txt report)
  string(REGEX MATCH "bootstraps per evaluation: ([0-9]+)" _ "${report}")
  if(NOT CMAKE_MATCH_1 EQUAL LOOKUPS)
    message(FATAL_ERROR
            "${NAME}: ${CMAKE_MATCH_1} bootstraps, one per lookup is ${LOOKUPS}:\n${report}")
  endif()
endif()
file(RENAME ${WORK_DIR}/client/compiled/server.circuit ${WORK_DIR}/server/server.circuit)
step(keygen ${LUTFHE} keygen --spec client/compiled/client.spec --client-key client/client.key
     --server-key server/server.key -q)
step(encrypt ${LUTFHE} encrypt --spec client/compiled/client.spec --client-key client/client.key
     --input ${TEST_SAMPLES} --count ${COUNT} --out server/in.ct -q)
step(run ${LUTFHE} run --circuit server/server.circuit --server-key server/server.key
     --in server/in.ct --out server/out.ct --threads 2 -q)
# One sample per chunk (only one sample's ciphertexts in memory at a time) gives the same bytes.
step(run-chunked ${LUTFHE} run --circuit server/server.circuit --server-key server/server.key
     --in server/in.ct --out server/out-chunked.ct --threads 2 --batch-size 1 -q)
file(SHA256 ${WORK_DIR}/server/out.ct whole)
file(SHA256 ${WORK_DIR}/server/out-chunked.ct chunked)
if(NOT whole STREQUAL chunked)
  message(FATAL_ERROR "${NAME}: results evaluated one sample per chunk differ")
endif()
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
