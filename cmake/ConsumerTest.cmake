# ctest helper (cmake -P): installs the build tree BUILD_DIR into a scratch prefix, then
# configures, builds and runs examples/find_package_consumer against it.
foreach(var BUILD_DIR SOURCE_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "ConsumerTest.cmake: pass -D${var}=...")
  endif()
endforeach()
set(work "${BUILD_DIR}/install_consumer_test")
file(REMOVE_RECURSE "${work}")

function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install_consumer: ${step} failed (${rc})")
  endif()
endfunction()

set(config_args)
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
run(install "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${work}/prefix" ${config_args})
set(cxx_arg)
if(CXX)
  set(cxx_arg "-DCMAKE_CXX_COMPILER=${CXX}")
endif()
run(configure "${CMAKE_COMMAND}" -S "${SOURCE_DIR}/examples/find_package_consumer"
    -B "${work}/build" "-DCMAKE_PREFIX_PATH=${work}/prefix" -DCMAKE_BUILD_TYPE=Release
    ${cxx_arg})
run(build "${CMAKE_COMMAND}" --build "${work}/build")
run(run "${work}/build/consumer")
