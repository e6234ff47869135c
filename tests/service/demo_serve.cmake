# `lutfhe demo mnist --serve` on the committed sample: the demo's evaluations go through a local
# `lutfhe serve` (127.0.0.1, a free port) over HTTP. Same small model as tests/cli/demo_cli.cmake
# (exact rounding: FHE equals the simulation on every digit); the summary must show it, and the
# service's folder must hold its store and no leftover job.
# Run by ctest: cmake -DLUTFHE=<binary> -DSOURCE_DIR=<repo> -DWORK_DIR=<dir> -P demo_serve.cmake
file(REMOVE_RECURSE ${WORK_DIR})
set(sample ${SOURCE_DIR}/tests/data/mnist-sample)
file(MAKE_DIRECTORY ${WORK_DIR}/data)
foreach(split t10k train)
  file(COPY_FILE ${sample}/t10k-images-idx3-ubyte.gz ${WORK_DIR}/data/${split}-images-idx3-ubyte.gz)
  file(COPY_FILE ${sample}/t10k-labels-idx1-ubyte.gz ${WORK_DIR}/data/${split}-labels-idx1-ubyte.gz)
endforeach()
execute_process(
  COMMAND ${LUTFHE} demo mnist --data data --dir out --hidden 12 --epochs 4 --count 2
          --threads 2 --rounding exact --rounding-bits 4 --serve --json -q
  WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
  TIMEOUT 280)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "demo --serve failed (${rc}):\n${out}\n${err}")
endif()
if(NOT out MATCHES "service: http://127\\.0\\.0\\.1:[0-9]+ ")
  message(FATAL_ERROR "no local service announced:\n${out}")
endif()
string(REGEX MATCH "[^\n]+\n?$" last "${out}")
foreach(field count agreement fhe_accuracy simulate_accuracy bootstraps_per_image)
  string(JSON value ERROR_VARIABLE json_error GET "${last}" ${field})
  if(json_error)
    message(FATAL_ERROR "last line is not the JSON summary with '${field}': ${last}")
  endif()
  set(${field} "${value}")
endforeach()
if(NOT count EQUAL 2 OR NOT agreement EQUAL 1 OR NOT fhe_accuracy STREQUAL simulate_accuracy)
  message(FATAL_ERROR "through the service, FHE differs from the simulation: ${last}")
endif()
if(bootstraps_per_image LESS 12)
  message(FATAL_ERROR "implausible bootstrap count: ${last}")
endif()
if(NOT EXISTS ${WORK_DIR}/out/mnist/service/service.db)
  message(FATAL_ERROR "the service's store is missing")
endif()
file(GLOB left ${WORK_DIR}/out/mnist/service/jobs/*)
if(left)
  message(FATAL_ERROR "jobs left behind after their results were fetched: ${left}")
endif()
message(STATUS "demo --serve ok: ${last}")
