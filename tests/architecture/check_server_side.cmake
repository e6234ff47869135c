# Usage: cmake -DCXX=<compiler> -DSOURCE_DIR=<repo> -DINCLUDES=<dir;dir> -P check_server_side.cmake
# See server_side.cpp. Fails unless the plain file compiles and each secret type is unknown
# to it (the compiler's message names the type).
set(secret_types ClientKey LweSecretKey GlweSecretKey)
set(flags -std=c++20 -fsyntax-only -fopenmp -I${SOURCE_DIR})
foreach(dir IN LISTS INCLUDES)
  list(APPEND flags -I${dir})
endforeach()
set(file ${SOURCE_DIR}/tests/architecture/server_side.cpp)
execute_process(COMMAND ${CXX} ${flags} ${file} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the server-side headers do not compile on their own:\n${err}")
endif()
foreach(type IN LISTS secret_types)
  execute_process(COMMAND ${CXX} ${flags} -DLUTFHE_NAME_TYPE=${type} ${file}
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(FATAL_ERROR "a translation unit with the server-side headers can name lutfhe::${type}")
  endif()
  if(NOT err MATCHES "${type}")
    message(FATAL_ERROR "naming lutfhe::${type} failed for another reason:\n${err}")
  endif()
  message(STATUS "server side cannot name lutfhe::${type}: ok")
endforeach()
