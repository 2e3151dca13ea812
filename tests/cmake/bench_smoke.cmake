# tests/cmake/bench_smoke.cmake — a smoke run of the collector benchmark: our
# side only (no CPython), N = 100,000, one repetition, gcs_heap_check after each
# workload. It fails if the bench cannot run or a count is wrong ((a) must
# collect N objects, (b) must free none, (c) must trigger automatic collections
# only when GC is on, and nothing may be left alive). Timings are not checked.
if(GCS_BUILD_BENCH)
    add_test(NAME bench_smoke_gc_bench
             COMMAND $<TARGET_FILE:gc_bench> --quick --no-python --check --reps 1)
    set_tests_properties(bench_smoke_gc_bench PROPERTIES TIMEOUT 300 LABELS bench)
endif()
# The benches' command lines (tests/cmake/bench_args.sh): --help, bad flags and
# malformed numbers stop before any work.
if(GCS_BUILD_BENCH)
    add_test(NAME bench__args_strict
             COMMAND sh ${PROJECT_SOURCE_DIR}/tests/cmake/bench_args.sh ${PROJECT_BINARY_DIR}/bench)
    set_tests_properties(bench__args_strict PROPERTIES TIMEOUT 60 LABELS bench)
endif()
