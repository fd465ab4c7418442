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

# Tokenizer libraries, all optional: PCRE2 (the byte-level BPE pre-tokenizer regex with Unicode classes),
# utf8proc (the NFC normalizer of tokenizer.json files) and SentencePiece (tokenizer.model files). Without one,
# the tokenizer that needs it throws an Error naming the package to rebuild with, and the tests tagged with its
# name are registered disabled (tests/CMakeLists.txt). Static archives are preferred, so that a GPU host that
# carries Debian's packages in .deps/ needs no runtime path for them; Debian ships SentencePiece only shared.
set(MAMBASCOPE_HAVE_PCRE2 0)
find_path(PCRE2_INCLUDE_DIR pcre2.h)
find_library(PCRE2_LIBRARY NAMES libpcre2-8.a pcre2-8)
if(PCRE2_INCLUDE_DIR AND PCRE2_LIBRARY)
  set(MAMBASCOPE_HAVE_PCRE2 1)
  add_library(mambascope_pcre2 INTERFACE)
  target_include_directories(mambascope_pcre2 SYSTEM INTERFACE ${PCRE2_INCLUDE_DIR})
  target_link_libraries(mambascope_pcre2 INTERFACE ${PCRE2_LIBRARY})
  target_compile_definitions(mambascope_pcre2 INTERFACE PCRE2_CODE_UNIT_WIDTH=8)
endif()

set(MAMBASCOPE_HAVE_UTF8PROC 0)
find_path(UTF8PROC_INCLUDE_DIR utf8proc.h)
find_library(UTF8PROC_LIBRARY NAMES libutf8proc.a utf8proc)
if(UTF8PROC_INCLUDE_DIR AND UTF8PROC_LIBRARY)
  set(MAMBASCOPE_HAVE_UTF8PROC 1)
  add_library(mambascope_utf8proc INTERFACE)
  target_include_directories(mambascope_utf8proc SYSTEM INTERFACE ${UTF8PROC_INCLUDE_DIR})
  target_link_libraries(mambascope_utf8proc INTERFACE ${UTF8PROC_LIBRARY})
  if(UTF8PROC_LIBRARY MATCHES "\\.a$")
    target_compile_definitions(mambascope_utf8proc INTERFACE UTF8PROC_STATIC)
  endif()
endif()

set(MAMBASCOPE_HAVE_SENTENCEPIECE 0)
find_path(SENTENCEPIECE_INCLUDE_DIR sentencepiece_processor.h)
find_library(SENTENCEPIECE_LIBRARY NAMES sentencepiece)
if(SENTENCEPIECE_INCLUDE_DIR AND SENTENCEPIECE_LIBRARY)
  set(MAMBASCOPE_HAVE_SENTENCEPIECE 1)
  add_library(mambascope_sentencepiece INTERFACE)
  target_include_directories(mambascope_sentencepiece SYSTEM INTERFACE ${SENTENCEPIECE_INCLUDE_DIR})
  target_link_libraries(mambascope_sentencepiece INTERFACE ${SENTENCEPIECE_LIBRARY})
endif()
message(STATUS "mambascope tokenizers: PCRE2=${MAMBASCOPE_HAVE_PCRE2} (${PCRE2_LIBRARY}) "
               "utf8proc=${MAMBASCOPE_HAVE_UTF8PROC} (${UTF8PROC_LIBRARY}) "
               "SentencePiece=${MAMBASCOPE_HAVE_SENTENCEPIECE} (${SENTENCEPIECE_LIBRARY})")

# The GUI (app/gui, mambascope-gui): Debian's Dear ImGui 1.86 (libimgui-dev: headers, a static libimgui with
# the GLFW and OpenGL3 backends, pkg-config `imgui`, which pulls in libstb), GLFW 3.3 (libglfw3-dev) and
# OpenGL (libgl-dev). AUTO builds it when all are found; hosts without them (the GPU host) build the rest.
set(MAMBASCOPE_GUI AUTO CACHE STRING "Build mambascope-gui: AUTO, ON or OFF")
set_property(CACHE MAMBASCOPE_GUI PROPERTY STRINGS AUTO ON OFF)
set(MAMBASCOPE_HAVE_GUI 0)
if(NOT MAMBASCOPE_GUI STREQUAL "OFF")
  if(PkgConfig_FOUND)
    pkg_check_modules(IMGUI QUIET IMPORTED_TARGET imgui>=1.86)
    pkg_check_modules(GLFW QUIET IMPORTED_TARGET glfw3>=3.3)
  endif()
  set(OpenGL_GL_PREFERENCE GLVND)
  find_package(OpenGL QUIET)
  if(IMGUI_FOUND AND GLFW_FOUND AND TARGET OpenGL::GL)
    set(MAMBASCOPE_HAVE_GUI 1)
  elseif(MAMBASCOPE_GUI STREQUAL "ON")
    message(FATAL_ERROR "MAMBASCOPE_GUI=ON but Dear ImGui, GLFW or OpenGL is missing: "
                        "apt-get install libimgui-dev libglfw3-dev libgl-dev (scripts/setup does)")
  endif()
endif()
if(MAMBASCOPE_HAVE_GUI)
  message(STATUS "mambascope-gui: yes (Dear ImGui ${IMGUI_VERSION}, GLFW ${GLFW_VERSION})")
else()
  message(STATUS "mambascope-gui: not built (MAMBASCOPE_GUI=${MAMBASCOPE_GUI}; needs libimgui-dev, libglfw3-dev, libgl-dev)")
endif()
