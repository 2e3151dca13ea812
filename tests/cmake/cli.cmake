# tests/cmake/cli.cmake — wiring for the CLI tests (issue #3).
#  - test_cli_fmt (tests/test_cli_fmt.c) unit-tests the formatters in src/cli/fmt_*.c,
#    which live in the gcscope executable, so their sources are compiled in here.
#  - tests/cli/*.sh run the gcscope binary end to end (help, usage errors, damaged
#    files, info/dump/export/record); each script is one ctest test, cli__<name>.
set(_cli_fmt_src
    ${PROJECT_SOURCE_DIR}/src/cli/cli.c
    ${PROJECT_SOURCE_DIR}/src/cli/fmt_event.c
    ${PROJECT_SOURCE_DIR}/src/cli/fmt_stats.c
    ${PROJECT_SOURCE_DIR}/src/cli/fmt_chrome.c
    ${PROJECT_SOURCE_DIR}/src/cli/fmt_dot.c)
foreach(_t test_cli_fmt)
    if(TARGET ${_t})
        target_sources(${_t} PRIVATE ${_cli_fmt_src})
        target_include_directories(${_t} PRIVATE ${PROJECT_SOURCE_DIR}/src/cli)
    endif()
endforeach()

# A small program for the record tests: links libgcscope, records through
# GCSCOPE_TRACE like any user program, and can wait to be killed.
if(EXISTS ${PROJECT_SOURCE_DIR}/tests/cli/cli_victim.c)
    add_executable(cli_victim ${PROJECT_SOURCE_DIR}/tests/cli/cli_victim.c)
    target_link_libraries(cli_victim PRIVATE gcscope_static gcs_warnings)
endif()

find_program(GCS_BASH bash)
file(GLOB _cli_scripts CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/cli/*.sh)
list(REMOVE_ITEM _cli_scripts ${PROJECT_SOURCE_DIR}/tests/cli/lib.sh)
foreach(_s ${_cli_scripts})
    get_filename_component(_n ${_s} NAME_WE)
    add_test(NAME cli__${_n} COMMAND ${GCS_BASH} ${_s})
    set_tests_properties(cli__${_n} PROPERTIES
        ENVIRONMENT "GCSCOPE=$<TARGET_FILE:gcscope>;GCS_SOURCE_DIR=${PROJECT_SOURCE_DIR};GCS_BINARY_DIR=${PROJECT_BINARY_DIR};CLI_VICTIM=$<$<TARGET_EXISTS:cli_victim>:$<TARGET_FILE:cli_victim>>"
        TIMEOUT 120)
endforeach()
# The README demo marks the runtime's gc.garbage / gc.callbacks lists internal,
# so its pictures show only the two lists of the lesson.
add_test(NAME cli__demo_hides_gc_module_lists
         COMMAND sh -c "\"$1\" demo -o \"$2\" >/dev/null && test \"$(\"$1\" dump \"$2\" | grep -c ' internal list#')\" -eq 2"
                 sh $<TARGET_FILE:gcscope> ${CMAKE_CURRENT_BINARY_DIR}/demo_internal.gctrace)
