# tests/cmake/index.cmake — the sidecar index's source id (cmake/source_id.cmake):
# the build id an index must match names the sources of the reader and the
# model, so a build from other sources rebuilds a stale index (test_index_cache
# covers the rest of the sidecar).
add_test(NAME index__source_id
         COMMAND sh ${PROJECT_SOURCE_DIR}/tests/cmake/source_id.sh
                 ${PROJECT_SOURCE_DIR}/cmake/source_id.cmake)
# The CLI writes the index right after opening: `dump | head` leaves it
# (tests/cmake/index_cli.sh; its big trace comes from bench/bigtrace_gen).
if(GCS_BUILD_BENCH)
    add_test(NAME index__cli_writes_after_open
             COMMAND sh ${PROJECT_SOURCE_DIR}/tests/cmake/index_cli.sh $<TARGET_FILE:gcscope>
                     $<TARGET_FILE:bigtrace_gen>)
    set_tests_properties(index__cli_writes_after_open PROPERTIES TIMEOUT 120)
endif()
