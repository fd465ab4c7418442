# Every dependency comes from Debian packages (or the CUDA toolkit). On a GPU host without them, pass
# -DCMAKE_PREFIX_PATH=$PWD/.deps/usr after ../shared/scripts/gather-deps has unpacked the header-only ones.

find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt REQUIRED)          # used header-only (fmt::fmt-header-only): nothing to ship on a GPU host

find_path(STB_INCLUDE_DIR stb/stb_image.h PATHS ${CMAKE_PREFIX_PATH} PATH_SUFFIXES include REQUIRED)
add_library(mambascope_stb INTERFACE)
target_include_directories(mambascope_stb SYSTEM INTERFACE ${STB_INCLUDE_DIR})

# OpenBLAS for the CPU reference GEMM: optional, a blocked loop stands in when it is absent.
set(MAMBASCOPE_HAVE_OPENBLAS 0)
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(OPENBLAS QUIET IMPORTED_TARGET openblas)
  if(OPENBLAS_FOUND)
    set(MAMBASCOPE_HAVE_OPENBLAS 1)
  endif()
endif()

find_package(OpenMP QUIET)
find_package(Threads REQUIRED)

# CUDA: AUTO enables it when a CUDA compiler is found.
set(MAMBASCOPE_HAVE_CUDA 0)
if(NOT MAMBASCOPE_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)  # one cudart for kernels and engine
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(MAMBASCOPE_HAVE_CUDA 1)
    set(CMAKE_CUDA_STANDARD 17)  # CMake 3.25 does not know nvcc's C++20 flag; kernels need no more
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  elseif(MAMBASCOPE_CUDA STREQUAL "ON")
    message(FATAL_ERROR "MAMBASCOPE_CUDA=ON but no CUDA compiler was found: install the CUDA toolkit "
                        "(nvcc at /usr/local/cuda/bin) or pass -DCMAKE_CUDA_COMPILER=/path/to/nvcc")
  endif()
endif()
