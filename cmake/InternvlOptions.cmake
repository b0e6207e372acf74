# Compiler flags shared by every internvl target. Applied per target (internvl_target_defaults),
# never globally, so third-party code keeps its own flags.

if(INTERNVL_SANITIZE_THREAD AND INTERNVL_SANITIZE_ADDRESS)
  message(FATAL_ERROR "ThreadSanitizer cannot be combined with AddressSanitizer")
endif()

set(INTERNVL_SANITIZER_FLAGS "")
if(INTERNVL_SANITIZE_ADDRESS)
  list(APPEND INTERNVL_SANITIZER_FLAGS -fsanitize=address -fno-omit-frame-pointer)
endif()
if(INTERNVL_SANITIZE_UNDEFINED)
  list(APPEND INTERNVL_SANITIZER_FLAGS -fsanitize=undefined -fno-sanitize-recover=undefined)
endif()
if(INTERNVL_SANITIZE_THREAD)
  list(APPEND INTERNVL_SANITIZER_FLAGS -fsanitize=thread)
endif()
if(INTERNVL_SANITIZER_FLAGS)
  add_compile_options(${INTERNVL_SANITIZER_FLAGS})
  add_link_options(${INTERNVL_SANITIZER_FLAGS})
endif()
if(INTERNVL_NATIVE)
  add_compile_options(-march=native)
endif()

set(INTERNVL_WARNING_FLAGS
  -Wall -Wextra -Wpedantic -Wshadow -Wcast-qual -Wmissing-declarations
  -Wnon-virtual-dtor -Wimplicit-fallthrough)

# internvl_target_defaults(<target>): warnings, include root, C++20.
function(internvl_target_defaults target)
  if(INTERNVL_ALL_WARNINGS)
    target_compile_options(${target} PRIVATE ${INTERNVL_WARNING_FLAGS})
  endif()
  if(INTERNVL_FATAL_WARNINGS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_compile_features(${target} PUBLIC cxx_std_20)
endfunction()

# internvl_add_library(<name> SOURCES ... DEPS ... [PRIVATE_DEPS ...])
# One library per layer; DEPS mirror the allowed arrows in docs/DEVELOPERS.md.
function(internvl_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  internvl_target_defaults(${name})
endfunction()
