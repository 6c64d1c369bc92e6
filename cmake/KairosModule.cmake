# Helpers shared by every module, test and benchmark.

# Warnings and sanitizers for everything we compile.
add_library(kairos_build_flags INTERFACE)
target_compile_options(kairos_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wconversion -Wno-sign-conversion
  $<$<CXX_COMPILER_ID:Clang>:-Wthread-safety>)
if(KAIROS_SANITIZE)
  target_compile_options(kairos_build_flags INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(kairos_build_flags INTERFACE -fsanitize=address,undefined)
endif()
if(KAIROS_FUZZ AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # The fuzz targets' coverage and sanitizers reach into the library they call: without
  # this, libFuzzer saw only the edges of the target files and ASan/UBSan checked nothing
  # in the parsers. The targets add -fsanitize=fuzzer (libFuzzer's main) themselves.
  target_compile_options(kairos_build_flags INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)
  target_link_options(kairos_build_flags INTERFACE -fsanitize=address,undefined)
endif()
if(KAIROS_TSAN)
  target_compile_options(kairos_build_flags INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(kairos_build_flags INTERFACE -fsanitize=thread)
endif()

# kairos_module(NAME SOURCES... DEPS...): one src/<module> folder as an OBJECT library
# named kairos_<NAME>. DEPS lists exactly the modules (and external targets) that
# DESIGN.md lets this module depend on; the objects are gathered into kairos::kairos.
function(kairos_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(kairos_${name} OBJECT ${ARG_SOURCES})
  target_include_directories(kairos_${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src ${PROJECT_BINARY_DIR}/generated)
  target_link_libraries(kairos_${name} PUBLIC kairos_build_flags ${ARG_DEPS})
  set_property(GLOBAL APPEND PROPERTY KAIROS_MODULES kairos_${name})
endfunction()
