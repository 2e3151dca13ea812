# tests/cmake/index.cmake — the sidecar index's source id (cmake/source_id.cmake):
# the build id an index must match names the sources of the reader and the
# model, so a build from other sources rebuilds a stale index (test_index_cache
# covers the rest of the sidecar).
add_test(NAME index__source_id
         COMMAND sh ${PROJECT_SOURCE_DIR}/tests/cmake/source_id.sh
                 ${PROJECT_SOURCE_DIR}/cmake/source_id.cmake)
