# tests/cmake/viz.cmake — viewer tests beyond the cmocka ones in tests/viz/:
#  - test_vtrace and test_bigview read the demo trace the build records
#    (traces/cmake/viz_demo.cmake);
#  - viz__render_cli: `gcscope render` writes a PNG of the right size, headless;
#  - viz__view_no_display: `gcscope view` without a display exits 2 with one line;
#  - viz__window_smoke: the real window under a private Xvfb (tests/cmake/xvfb.sh),
#    driven by --script, takes a screenshot with its own `s` key; the PNG must be
#    the window's size and not blank;
#  - viz__window_hidpi: the same at GCSCOPE_SCALE=2: the PNG has twice the pixels.
if(NOT GCS_BUILD_VIZ)
    return()
endif()
foreach(_t test_vtrace test_bigview)
    if(TARGET ${_t} AND TARGET viz_demo_embed)
        add_dependencies(${_t} viz_demo_embed)
    endif()
endforeach()
find_program(GCS_XVFB Xvfb)
set(_viz_sh ${PROJECT_SOURCE_DIR}/tests/viz/viz_cli.sh)
add_test(NAME viz__render_cli COMMAND sh ${_viz_sh} render $<TARGET_FILE:gcscope>
         ${PROJECT_BINARY_DIR}/traces/demo.gctrace)
add_test(NAME viz__view_no_display COMMAND sh ${_viz_sh} nodisplay $<TARGET_FILE:gcscope>
         ${PROJECT_BINARY_DIR}/traces/demo.gctrace)
if(GCS_XVFB)
    add_test(NAME viz__window_smoke COMMAND sh ${_viz_sh} window $<TARGET_FILE:gcscope>
             ${PROJECT_BINARY_DIR}/traces/demo.gctrace)
    set_tests_properties(viz__window_smoke PROPERTIES TIMEOUT 120)
    add_test(NAME viz__window_hidpi COMMAND sh ${_viz_sh} hidpi $<TARGET_FILE:gcscope>
             ${PROJECT_BINARY_DIR}/traces/demo.gctrace)
    set_tests_properties(viz__window_hidpi PROPERTIES TIMEOUT 120)
endif()
# test_leakmarks runs `gcscope leaks` and traces/leak_cycle to compare outlines
# with the leak report.
if(TARGET test_leakmarks)
    add_dependencies(test_leakmarks gcscope leak_cycle)
endif()
# `render --focus leaks` with no moment draws the state `gcscope leaks` reports
# on (before teardown): lesson 11 has 118 events, the leak check is at 103. The
# old default was the last event, after teardown, with nothing left to show.
add_test(NAME viz__render_focus_leaks_default_moment
         COMMAND $<TARGET_FILE:gcscope> render
                 ${PROJECT_SOURCE_DIR}/traces/lesson11_refleak.gctrace --focus leaks
                 -o ${CMAKE_CURRENT_BINARY_DIR}/focus_leaks.png)
set_tests_properties(viz__render_focus_leaks_default_moment PROPERTIES
                     PASS_REGULAR_EXPRESSION "event 103 of 118")
