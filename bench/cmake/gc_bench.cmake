# bench/cmake/gc_bench.cmake — gc_bench (bench/gc_bench.c) runs the CPython side
# from the source tree (bench/gc_bench.py) and prints the build type it was
# built with, since its figures only mean something in the release preset.
if(TARGET gc_bench)
    target_compile_definitions(gc_bench PRIVATE
        GCS_BENCH_PY="${PROJECT_SOURCE_DIR}/bench/gc_bench.py"
        GCS_BENCH_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
endif()
