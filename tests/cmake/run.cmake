# `gcscope run` (issue #7): the differential test against CPython. Every
# snippet in reference/conformance/ (when present) and tests/snippets/ runs
# under python3 and under `gcscope run`; stdout and exit status must match.
# tests/snippets/EXCLUDED.txt lists the snippets skipped on purpose, each with
# its reason. The test prints one PASS/FAIL line per snippet and the counts.
find_program(GCS_PYTHON3 NAMES python3 python3.11
    HINTS /root/.pyenv/shims /usr/local/bin /usr/bin)
set(_gcs_conformance ${PROJECT_SOURCE_DIR}/../shared/reference/conformance)
set(_gcs_snippet_dirs ${PROJECT_SOURCE_DIR}/tests/snippets)
if(EXISTS ${_gcs_conformance})
    list(PREPEND _gcs_snippet_dirs ${_gcs_conformance})
endif()
if(GCS_PYTHON3)
    # The pyenv shim costs seconds per start: use the interpreter it resolves to.
    execute_process(COMMAND ${GCS_PYTHON3} -c "import sys; print(sys.executable)"
        OUTPUT_VARIABLE _gcs_py_exe OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _gcs_py_rc)
    if(_gcs_py_rc EQUAL 0 AND EXISTS "${_gcs_py_exe}")
        set(GCS_PYTHON3 ${_gcs_py_exe})
    endif()
    add_test(NAME pyrun_differential
        COMMAND sh ${PROJECT_SOURCE_DIR}/tests/cmake/run_diff.sh $<TARGET_FILE:gcscope>
                ${GCS_PYTHON3} ${_gcs_snippet_dirs})
    set_tests_properties(pyrun_differential PROPERTIES TIMEOUT 600)
else()
    message(STATUS "python3 not found: pyrun_differential test disabled")
endif()

# Constructs outside the subset: one line "file:line:col: ... not supported", exit 2.
add_test(NAME pyrun_cli_unsupported
    COMMAND sh -c "printf 'x = 1\\nif x:\\n    async def f(): pass\\n' > unsupported_snippet.py; \
$<TARGET_FILE:gcscope> run unsupported_snippet.py; test $? -eq 2")
set_tests_properties(pyrun_cli_unsupported PROPERTIES
    PASS_REGULAR_EXPRESSION "unsupported_snippet.py:3:5: 'async def' is not supported by gcscope run")
# An uncaught exception: traceback on stderr, exit 1.
add_test(NAME pyrun_cli_traceback
    COMMAND sh -c "printf 'def f():\\n    return 1 // 0\\nf()\\n' > traceback_snippet.py; \
$<TARGET_FILE:gcscope> run traceback_snippet.py; test $? -eq 1")
set_tests_properties(pyrun_cli_traceback PROPERTIES
    PASS_REGULAR_EXPRESSION "line 2, in f.*ZeroDivisionError: integer division or modulo by zero")

# `gcscope view SNIPPET.py` (tests/cmake/run_view.sh): the window under Xvfb on a
# snippet's recording, the no-display message, strict --size parsing.
if(GCS_BUILD_VIZ)
    set(_run_view_sh ${PROJECT_SOURCE_DIR}/tests/cmake/run_view.sh)
    add_test(NAME pyrun_view_nodisplay COMMAND sh ${_run_view_sh} nodisplay $<TARGET_FILE:gcscope>)
    add_test(NAME pyrun_view_size_strict COMMAND sh ${_run_view_sh} size $<TARGET_FILE:gcscope>)
    find_program(GCS_XVFB Xvfb)
    if(GCS_XVFB)
        add_test(NAME pyrun_view_window COMMAND sh ${_run_view_sh} window $<TARGET_FILE:gcscope>)
        set_tests_properties(pyrun_view_window PROPERTIES TIMEOUT 300)
    endif()
endif()
