# tests/cmake/fuzz.cmake — fuzz harnesses (issue #8): option GCS_FUZZ (OFF by
# default; needs clang) and tests/fuzz/CMakeLists.txt. With the option off the
# harnesses are still built, as plain programs, and ctest replays their saved
# regression inputs and seeds (tests fuzz__<harness>). See docs/robustness.md.
option(GCS_FUZZ "Build the libFuzzer harnesses (clang: -fsanitize=fuzzer,address,undefined)" OFF)
add_subdirectory(${PROJECT_SOURCE_DIR}/tests/fuzz ${PROJECT_BINARY_DIR}/tests/fuzz)
