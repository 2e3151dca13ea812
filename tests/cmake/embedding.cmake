# tests/cmake/embedding.cmake — builds the program shown in docs/embedding.md
# (docs/examples/embed.c) against libgcscope and runs it: the documented
# example must compile with the project's warnings and print what the doc says.
if(EXISTS ${PROJECT_SOURCE_DIR}/docs/examples/embed.c)
    add_executable(embed_example ${PROJECT_SOURCE_DIR}/docs/examples/embed.c)
    target_link_libraries(embed_example PRIVATE gcscope_static gcs_warnings)
    add_test(NAME embedding__example COMMAND embed_example)
    set_tests_properties(embedding__example PROPERTIES
        ENVIRONMENT "GCSCOPE_TRACE=;GCSCOPE_LEAKS="
        PASS_REGULAR_EXPRESSION
        "weakref callback: referent gone = 1\n__del__ a\n__del__ b\ncollected: 2"
        FAIL_REGULAR_EXPRESSION "embed: FAIL")
endif()

# The installed library, headers, gcscope.pc and CMake package work for another
# project (skipped in sanitizer builds: an outside program can't link them).
if(NOT GCS_SANITIZE)
    add_test(NAME embedding__installed_package
        COMMAND ${PROJECT_SOURCE_DIR}/tests/install/check_install.sh
                ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/tests/install)
endif()
