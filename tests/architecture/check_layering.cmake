# Usage: cmake -DCXX=<compiler> -DSOURCE_DIR=<repo> -DINCLUDES=<dir;dir> -P check_layering.cmake
# The include rules of DESIGN.md §1 and §9, checked on the headers each file really pulls in
# (the compiler's -MM closure), not only on its own #include lines:
#   - no file under fft/, core/, compiler/, models/, workbench/ or bench/ includes a cli/ or
#     service/ header, and nothing below bench/ includes a bench/ header;
#   - compiler/client.hpp reaches neither the server (execute, server) nor the simulator;
#   - the server-side headers reach no client-side header (secret keys, encryption).
set(flags -std=c++20 -MM -fopenmp -I${SOURCE_DIR})
foreach(dir IN LISTS INCLUDES)
  list(APPEND flags -I${dir})
endforeach()

function(closure header out)
  execute_process(COMMAND ${CXX} ${flags} -x c++ ${SOURCE_DIR}/${header}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE deps ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${header} does not preprocess on its own:\n${err}")
  endif()
  string(REPLACE "${SOURCE_DIR}/" "" deps "${deps}")
  set(${out} "${deps}" PARENT_SCOPE)
endfunction()

set(failures "")
file(GLOB_RECURSE sources RELATIVE ${SOURCE_DIR}
     ${SOURCE_DIR}/fft/*.?pp ${SOURCE_DIR}/core/*.?pp ${SOURCE_DIR}/compiler/*.?pp
     ${SOURCE_DIR}/models/*.?pp ${SOURCE_DIR}/workbench/*.?pp ${SOURCE_DIR}/bench/*.?pp)
foreach(f IN LISTS sources)
  file(STRINGS ${SOURCE_DIR}/${f} lines REGEX "^#include \"(cli|service)/")
  if(lines)
    string(APPEND failures "${f} includes a higher layer: ${lines}\n")
  endif()
  if(NOT f MATCHES "^bench/")
    file(STRINGS ${SOURCE_DIR}/${f} lines REGEX "^#include \"bench/")
    if(lines)
      string(APPEND failures "${f} includes bench/: ${lines}\n")
    endif()
  endif()
endforeach()

closure(compiler/client.hpp deps)
foreach(h compiler/execute.hpp compiler/server.hpp compiler/simulate.hpp
          compiler/circuit_runner.hpp)
  string(FIND "${deps}" "${h}" at)
  if(NOT at EQUAL -1)
    string(APPEND failures "compiler/client.hpp reaches ${h}\n")
  endif()
endforeach()

set(server_headers core/server_key.hpp core/evaluation_key.hpp core/evaluation_key_file.hpp
    core/pbs.hpp core/gates.hpp core/ciphertext_files.hpp core/lookup_table_file.hpp
    core/lwe.hpp core/keyswitch.hpp core/blind_rotate.hpp compiler/execute.hpp
    compiler/server.hpp compiler/artifacts.hpp compiler/client_spec.hpp
    models/training_server.hpp models/encrypted_training.hpp)
set(client_headers core/client_key.hpp core/entities/secret_keys.hpp core/lwe_encryption.hpp
    core/keyswitch_key_generation.hpp core/bootstrap_key_generation.hpp core/glwe.hpp
    core/ggsw.hpp core/client_key_file.hpp core/batch_encryption.hpp compiler/client.hpp
    models/training_client.hpp)
foreach(s IN LISTS server_headers)
  closure(${s} deps)
  foreach(c IN LISTS client_headers)
    string(FIND "${deps}" " ${c}" at)
    if(NOT at EQUAL -1)
      string(APPEND failures "server-side ${s} reaches client-side ${c}\n")
    endif()
  endforeach()
endforeach()

if(failures)
  message(FATAL_ERROR "layering broken:\n${failures}")
endif()
message(STATUS "layering: ok (${CMAKE_CURRENT_LIST_FILE})")
