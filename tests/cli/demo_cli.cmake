# `lutfhe demo mnist` end to end on the committed sample (tests/data/mnist-sample: 300 real test
# digits), which stands in for both splits: a small model is trained for four epochs, compiled
# with exact rounding to 4-bit tables (small, fast keys; execute == simulate value by value), and 3 digits go through encrypt → run → decrypt with the
# client's and the server's files apart. The JSON summary must say FHE == simulate on every
# digit; the directories must hold what each role owns and nothing of the other's.
# Run by ctest: cmake -DLUTFHE=<binary> -DSOURCE_DIR=<repo> -DWORK_DIR=<dir> -P demo_cli.cmake
file(REMOVE_RECURSE ${WORK_DIR})
set(sample ${SOURCE_DIR}/tests/data/mnist-sample)
file(MAKE_DIRECTORY ${WORK_DIR}/data)
file(COPY_FILE ${sample}/t10k-images-idx3-ubyte.gz ${WORK_DIR}/data/t10k-images-idx3-ubyte.gz)
file(COPY_FILE ${sample}/t10k-labels-idx1-ubyte.gz ${WORK_DIR}/data/t10k-labels-idx1-ubyte.gz)
file(COPY_FILE ${sample}/t10k-images-idx3-ubyte.gz ${WORK_DIR}/data/train-images-idx3-ubyte.gz)
file(COPY_FILE ${sample}/t10k-labels-idx1-ubyte.gz ${WORK_DIR}/data/train-labels-idx1-ubyte.gz)

execute_process(
  COMMAND ${LUTFHE} demo mnist --data data --dir out --hidden 12 --epochs 4 --count 3 --train
          --threads 2 --rounding exact --rounding-bits 4 --single-thread-images 1 --json -q
  WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "demo failed (${rc}):\n${out}\n${err}")
endif()
string(REGEX MATCH "[^\n]+\n?$" last "${out}")
foreach(field dataset count fhe_accuracy simulate_accuracy agreement clear_accuracy
              float_accuracy ms_per_image threads bootstraps_per_image eval_key_bytes
              ciphertext_bytes)
  string(JSON value ERROR_VARIABLE json_error GET "${last}" ${field})
  if(json_error)
    message(FATAL_ERROR "last line is not the JSON summary with '${field}': ${last}\n${json_error}")
  endif()
  set(${field} "${value}")
endforeach()
if(NOT dataset STREQUAL "mnist" OR NOT count EQUAL 3 OR NOT threads EQUAL 2)
  message(FATAL_ERROR "wrong summary: ${last}")
endif()
if(NOT agreement EQUAL 1)
  message(FATAL_ERROR "encrypted predictions differ from the simulation (exact rounding): ${last}")
endif()
if(NOT fhe_accuracy STREQUAL simulate_accuracy)
  message(FATAL_ERROR "FHE and simulate accuracies differ: ${last}")
endif()
if(bootstraps_per_image LESS 12 OR eval_key_bytes LESS 1000000 OR ciphertext_bytes LESS 784)
  message(FATAL_ERROR "implausible sizes or counts: ${last}")
endif()
if(float_accuracy STREQUAL "null" OR float_accuracy LESS 0.3)
  # Four epochs on 300 digits: far from good, far above chance (0.1).
  message(FATAL_ERROR "the trained model is no better than chance: ${last}")
endif()
# Per-image lines: label, FHE and clear predictions for each digit.
string(REGEX MATCHALL "\\[[0-9]/3\\] label [0-9] \\| FHE [0-9] \\| clear [0-9]" lines "${out}")
list(LENGTH lines n)
if(NOT n EQUAL 3)
  message(FATAL_ERROR "expected 3 per-image lines, found ${n}:\n${out}")
endif()
# Roles on disk: the secret key only in client/, the evaluation key only in server/.
foreach(f client/client.key client/client.spec client/predictions.csv server/eval.key
          server/server.circuit server/in/00000.ct server/out/00000.ct)
  if(NOT EXISTS ${WORK_DIR}/out/mnist/${f})
    message(FATAL_ERROR "missing ${f}")
  endif()
endforeach()
file(GLOB_RECURSE server_files RELATIVE ${WORK_DIR}/out/mnist/server ${WORK_DIR}/out/mnist/server/*)
foreach(f ${server_files})
  if(f MATCHES "client|spec")
    message(FATAL_ERROR "server/ holds a client file: ${f}")
  endif()
endforeach()
file(READ ${WORK_DIR}/out/mnist/client/predictions.csv csv)
string(REGEX MATCHALL "\n[0-9]+," rows "${csv}")
list(LENGTH rows nrows)
if(NOT nrows EQUAL 3)
  message(FATAL_ERROR "predictions.csv should have 3 rows:\n${csv}")
endif()
# A second run reuses the cached model (no training message).
execute_process(
  COMMAND ${LUTFHE} demo mnist --data data --dir out --hidden 12 --epochs 4 --count 1
          --threads 1 --rounding-bits 4 --no-draw -q
  WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\\(cached\\)" OR err MATCHES "training")
  message(FATAL_ERROR "second run did not use the cached model (${rc}):\n${out}\n${err}")
endif()
# Bad input: one line, exit 2.
execute_process(COMMAND ${LUTFHE} demo mnist --data nowhere --count 1 -q
                WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc ERROR_VARIABLE err)
string(STRIP "${err}" err)
if(NOT rc EQUAL 2 OR err MATCHES "\n")
  message(FATAL_ERROR "a missing data directory should give exit 2 and one line: ${rc} ${err}")
endif()
message(STATUS "demo ok: ${last}")
# Without training options the demo loads the committed default model
# (examples/mnist/model): the same bytes on every machine. Exact rounding to 4-bit tables keeps
# the keys small here; the clear model must be good on these real test digits (the committed
# model was trained on other digits of the same split).
execute_process(
  COMMAND ${LUTFHE} demo mnist --data data --dir out-default --count 1 --threads 2
          --calibration 100 --rounding exact --rounding-bits 4 --single-thread-images 0
          --no-draw --json -q
  WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "examples/mnist/model/mnist-h128-w3-a3-i2.json \\(committed"
   OR err MATCHES "training")
  message(FATAL_ERROR "the default run did not load the committed model (${rc}):\n${out}\n${err}")
endif()
# No single-thread images: the summary says so (it printed "null ms" before).
if(NOT out MATCHES "latency per image +[0-9]+ ms with 2 threads, not measured with 1")
  message(FATAL_ERROR "the summary's latency line is wrong without single-thread images:\n${out}")
endif()
string(REGEX MATCH "[^\n]+\n?$" last "${out}")
string(JSON clear_all GET "${last}" clear_accuracy_all)
string(JSON agreement GET "${last}" agreement)
if(clear_all LESS 0.93 OR NOT agreement EQUAL 1)
  message(FATAL_ERROR "committed model: clear accuracy ${clear_all} on the sample (expected "
                      "≥ 0.93), FHE/simulate agreement ${agreement}: ${last}")
endif()
