# Locates LibTorch: an explicit Torch_DIR / CMAKE_PREFIX_PATH first, then the PyPI `torch`
# wheel of the python3 on PATH (it ships TorchConfig.cmake under torch/share/cmake), then
# Debian's libtorch-dev. Sets TORCH_LIBRARIES and TORCH_INCLUDE_DIRS.
macro(coldstart_find_torch)
  if(NOT Torch_DIR)
    find_package(Python3 COMPONENTS Interpreter QUIET)
    if(Python3_Interpreter_FOUND)
      execute_process(
        COMMAND ${Python3_EXECUTABLE} -c "import torch, os; print(os.path.join(os.path.dirname(torch.__file__), 'share', 'cmake', 'Torch'))"
        OUTPUT_VARIABLE _cs_torch_dir OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
        RESULT_VARIABLE _cs_torch_rc)
      if(_cs_torch_rc EQUAL 0 AND EXISTS "${_cs_torch_dir}/TorchConfig.cmake")
        set(Torch_DIR "${_cs_torch_dir}" CACHE PATH "LibTorch CMake config folder")
      endif()
    endif()
  endif()
  # The wheel's config probes CUDA through the deprecated FindCUDA path; the kernels do not
  # need it, only the CPU and (at run time) the CUDA libraries the wheel ships.
  set(CAFFE2_USE_CUDNN OFF)
  # No GPU on build machines: name the architectures instead of letting Caffe2 probe for one.
  if(NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
    set(ENV{TORCH_CUDA_ARCH_LIST} "8.0;9.0")
  endif()
  find_package(Torch QUIET)
  if(NOT Torch_FOUND)
    message(FATAL_ERROR
      "LibTorch not found. Run scripts/setup.sh (installs the pinned torch wheel), or pass "
      "-DTorch_DIR=<libtorch>/share/cmake/Torch, or -DCOLDSTART_WITH_TORCH=OFF.")
  endif()
  # The wheel's libtorch_cuda needs libnccl, libnvshmem, ... from the wheel's nvidia/*/lib
  # folders (found at run time through its RPATH). When linking an executable, ld also resolves
  # those indirect libraries and would otherwise pick an older system copy (CUDA's libnccl),
  # failing with "undefined reference to ncclPutSignal".
  get_filename_component(_cs_site "${Torch_DIR}/../../../.." ABSOLUTE)
  file(GLOB _cs_nv_libs LIST_DIRECTORIES true "${_cs_site}/nvidia/*/lib")
  foreach(_cs_dir IN LISTS _cs_nv_libs)
    add_link_options("LINKER:-rpath-link,${_cs_dir}")
  endforeach()
  # LibTorch's CPU half alone for coldstart::torch: the CUDA half (libtorch_cuda and the CUDA
  # libraries it maps, ~0.25 s of every start) is loaded when a CUDA device is asked for
  # (src/embed/torch_cuda_loader.cpp). Programs that run CUDA from the start link TORCH_LIBRARIES.
  if(TARGET torch_cpu_library AND TARGET c10)
    set(COLDSTART_TORCH_CPU_LIBRARIES torch_cpu_library c10)
  else()
    set(COLDSTART_TORCH_CPU_LIBRARIES ${TORCH_LIBRARIES})
  endif()
  message(STATUS "coldstart: LibTorch ${Torch_VERSION} from ${Torch_DIR}")
endmacro()
