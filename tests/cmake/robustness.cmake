# tests/cmake/robustness.cmake — damaged/hostile input and recording under
# faults (issue #8), run by ctest:
#   robustness__hostile  tests/robustness/hostile.py: every reading command on
#                        empty, non-trace, truncated-at-every-byte, bit-flipped
#                        and gigantic-claim traces; `run` on deep nesting
#   robustness__faults   tests/robustness/faults.py: SIGKILL at 20 random
#                        moments, SIGTERM/SIGINT under `gcscope record`,
#                        /dev/full and a closed pipe as the trace file
# Both use rob_victim (tests/robustness/rob_victim.c). See docs/robustness.md.
find_package(Python3 COMPONENTS Interpreter)
add_executable(rob_victim ${PROJECT_SOURCE_DIR}/tests/robustness/rob_victim.c)
target_link_libraries(rob_victim PRIVATE gcscope_static gcs_warnings)
if(Python3_Interpreter_FOUND)
    set(_rob_flags)
    if(GCS_SANITIZE)
        set(_rob_flags --asan)
    endif()
    foreach(_t hostile faults)
        add_test(NAME robustness__${_t}
            COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/robustness/${_t}.py
                    $<TARGET_FILE:gcscope> --victim $<TARGET_FILE:rob_victim> ${_rob_flags})
        set_tests_properties(robustness__${_t} PROPERTIES TIMEOUT 1200
            ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1")
    endforeach()
    # hostile spawns thousands of processes on ROBUST_JOBS (2) threads: it runs
    # alone. faults runs its processes one at a time: beside other tests, never
    # beside hostile.
    set_tests_properties(robustness__hostile PROPERTIES RUN_SERIAL TRUE)
    set_tests_properties(robustness__hostile robustness__faults PROPERTIES RESOURCE_LOCK robustness)
endif()
