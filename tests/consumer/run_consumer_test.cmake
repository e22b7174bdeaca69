# Installs the built tree into WORK_DIR/prefix, checks the installed libraries' dynamic sections,
# then builds tests/consumer against the prefix (with the components this build has) and runs it.
#   -DSOURCE_DIR= -DBINARY_DIR= -DWORK_DIR= -DWITH_TORCH=ON|OFF -DWITH_CUDA=ON|OFF
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${WORK_DIR}/prefix
  RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "install failed (${rc})")
endif()

# 1. Relocatable: no installed library may carry a RUNPATH/RPATH into a Python site-packages
#    folder (LibTorch's home on the build machine), and the core library needs neither LibTorch
#    nor the CUDA runtime.
find_program(READELF readelf REQUIRED)
file(GLOB _libs ${WORK_DIR}/prefix/lib*/libcoldstart*.so*)
set(_checked 0)
foreach(lib IN LISTS _libs)
  if(IS_SYMLINK ${lib})
    continue()
  endif()
  execute_process(COMMAND ${READELF} -d ${lib} OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "readelf -d ${lib} failed (${rc})")
  endif()
  string(REGEX MATCHALL "\\((RUNPATH|RPATH)\\)[^\n]*" paths "${dyn}")
  message(STATUS "${lib}: ${paths}")
  foreach(p IN LISTS paths)
    if(p MATCHES "site-packages")
      message(FATAL_ERROR "installed ${lib} has a search path into site-packages: ${p}")
    endif()
  endforeach()
  get_filename_component(name ${lib} NAME)
  if(name MATCHES "^libcoldstart\\.so" AND dyn MATCHES "libcudart|libcublas|libtorch|libc10")
    message(FATAL_ERROR "core ${lib} depends on CUDA or LibTorch:\n${dyn}")
  endif()
  math(EXPR _checked "${_checked} + 1")
endforeach()
if(_checked EQUAL 0)
  message(FATAL_ERROR "no installed libcoldstart*.so under ${WORK_DIR}/prefix")
endif()

# 2. A component the installation lacks fails find_package with a message naming it.
file(WRITE ${WORK_DIR}/bad/CMakeLists.txt
  "cmake_minimum_required(VERSION 3.25)\nproject(bad LANGUAGES CXX)\n"
  "find_package(coldstart 0.1 REQUIRED COMPONENTS no_such_part)\n")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${WORK_DIR}/bad -B ${WORK_DIR}/bad/build
  -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT "${out}${err}" MATCHES "unknown component 'no_such_part'")
  message(FATAL_ERROR "a missing component did not fail clearly (${rc}):\n${out}${err}")
endif()

# 3. The consumer project, with the components this build has.
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/build
  -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DWANT_TORCH=${WITH_TORCH} -DWANT_CUDA=${WITH_CUDA}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the consumer project failed (${rc}):\n${out}${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc
  OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the consumer project failed (${rc}):\n${out}${err}")
endif()
set(_programs consumer)
if(WITH_TORCH)
  list(APPEND _programs consumer_torch)
endif()
if(WITH_CUDA)
  list(APPEND _programs consumer_cuda)
endif()
foreach(prog IN LISTS _programs)
  execute_process(COMMAND ${WORK_DIR}/build/${prog} RESULT_VARIABLE rc OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  message(STATUS "${out}")
  if(NOT rc EQUAL 0 OR NOT out MATCHES "${prog}: ok")
    message(FATAL_ERROR "${prog} failed (${rc}): ${out}${err}")
  endif()
endforeach()

# 4. examples/custom_strategy: a project that registers its own selector and runs it through
#    run_experiment and coldstart::cli::main (the select driver), against the installed package.
if(WITH_TORCH AND WITH_CLI)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/custom_strategy
    -B ${WORK_DIR}/custom -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "configuring examples/custom_strategy failed (${rc}):\n${out}${err}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/custom RESULT_VARIABLE rc
    OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "building examples/custom_strategy failed (${rc}):\n${out}${err}")
  endif()
  execute_process(COMMAND ${WORK_DIR}/custom/custom_strategy demo ${WORK_DIR}/demo
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "${out}")
  if(NOT rc EQUAL 0 OR NOT out MATCHES "custom_strategy: ok" OR NOT out MATCHES "centre-out")
    message(FATAL_ERROR "custom_strategy demo failed (${rc}):\n${out}${err}")
  endif()
  # The driver lists the user's strategy like a built-in one, and refuses a typo with exit 2.
  execute_process(COMMAND ${WORK_DIR}/custom/custom_strategy strategies
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "centre-out")
    message(FATAL_ERROR "custom_strategy strategies does not list centre-out (${rc}):\n${out}")
  endif()
  execute_process(COMMAND ${WORK_DIR}/custom/custom_strategy select --embeddings
    ${WORK_DIR}/demo/emb.npy --budget 2 --strategy centre-outt --out ${WORK_DIR}/demo/x.csv
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "a misspelt strategy did not exit 2 (${rc}):\n${out}${err}")
  endif()
endif()
