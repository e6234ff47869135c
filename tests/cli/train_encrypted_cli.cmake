# `lutfhe train-encrypted` through the real binary (TOY parameters, 8 breast-cancer rows in two
# batches of 4): compile, simulate, keygen, encrypt (client), run (server: its own directory,
# the circuit and the evaluation key only), decrypt and report (client), which checks every
# encrypted checkpoint against the simulated training and fails when one differs; then bad
# input: one readable line, exit code 2, no output file left.
# Run by ctest: cmake -DLUTFHE=<binary> -DSOURCE_DIR=<repo> -DWORK_DIR=<dir> -P ...
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/client ${WORK_DIR}/server)
set(DATA ${SOURCE_DIR}/tests/data/model_suite)
file(STRINGS ${DATA}/breast_logreg.calibration.csv rows LIMIT_COUNT 8)
file(STRINGS ${DATA}/breast_logreg.calibration_labels.csv labels LIMIT_COUNT 8)
list(JOIN rows "\n" rows)
list(JOIN labels "\n" labels)
file(WRITE ${WORK_DIR}/client/train.csv "${rows}\n")
file(WRITE ${WORK_DIR}/client/train_labels.csv "${labels}\n")

function(step name)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${WORK_DIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} failed (${rc}):\n${out}\n${err}")
  endif()
  set(STEP_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

set(TE ${LUTFHE} train-encrypted)
set(SETTINGS --batch 4)
set(TEST --test ${DATA}/breast_logreg.test.csv --test-labels ${DATA}/breast_logreg.test_labels.csv)
set(TRAIN --train client/train.csv --train-labels client/train_labels.csv)
step(compile ${TE} compile ${SETTINGS} --params TOY --out client/step)
file(RENAME ${WORK_DIR}/client/step/step.circuit ${WORK_DIR}/server/step.circuit)
step(simulate ${TE} simulate ${SETTINGS} --circuit server/step.circuit ${TRAIN} ${TEST}
     --json client/simulate.json --svg client/simulate.svg)
step(keygen ${LUTFHE} keygen --spec client/step/step.spec --client-key client/client.key
     --server-key server/server.key -q)
step(encrypt ${TE} encrypt --spec client/step/step.spec --client-key client/client.key ${TRAIN}
     --out-batches server/batches.ct --out-weights server/weights.ct -q)
step(run ${TE} run --circuit server/step.circuit --server-key server/server.key
     --batches server/batches.ct --weights server/weights.ct --out server/final.ct
     --checkpoints server/checkpoints --json server/run.json --threads 2)
if(NOT STEP_OUTPUT MATCHES "step 2/2: ")
  message(FATAL_ERROR "no progress per batch:\n${STEP_OUTPUT}")
endif()
step(decrypt ${TE} decrypt --spec client/step/step.spec --client-key client/client.key
     --weights server/final.ct --out client/model.csv)
step(report ${TE} report --spec client/step/step.spec --client-key client/client.key
     --checkpoints server/checkpoints ${TEST} ${TRAIN} --circuit server/step.circuit
     --svg client/accuracy.svg --json client/summary.json)
file(READ ${WORK_DIR}/client/summary.json summary)
if(NOT summary MATCHES "\"batches_differing_from_simulate\": 0" OR
   NOT summary MATCHES "\"batches\": 2")
  message(FATAL_ERROR "summary:\n${summary}")
endif()
file(READ ${WORK_DIR}/client/accuracy.svg svg)
# An SVG document with a line for the decrypted copy's accuracy and one for the float model.
if(NOT svg MATCHES "^<\\?xml[^\n]*\n<svg " OR NOT svg MATCHES "polyline" OR
   NOT svg MATCHES "encrypted" OR NOT svg MATCHES "float logistic regression")
  message(FATAL_ERROR "not a plot:\n${svg}")
endif()

# Bad input: 7 labels for 8 samples.
file(STRINGS ${DATA}/breast_logreg.calibration_labels.csv labels LIMIT_COUNT 7)
list(JOIN labels "\n" labels)
file(WRITE ${WORK_DIR}/client/short_labels.csv "${labels}\n")
execute_process(COMMAND ${TE} encrypt --spec client/step/step.spec --client-key client/client.key
                        --train client/train.csv --train-labels client/short_labels.csv
                        --out-batches client/bad.ct --out-weights client/bad_w.ct -q
                WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
string(STRIP "${err}" err)
if(NOT rc EQUAL 2 OR err MATCHES "\n" OR NOT err MATCHES "^lutfhe: error: .*labels" OR
   EXISTS ${WORK_DIR}/client/bad.ct)
  message(FATAL_ERROR "bad labels: exit ${rc}, stderr '${err}'")
endif()
message(STATUS "train-encrypted CLI chain ok")
