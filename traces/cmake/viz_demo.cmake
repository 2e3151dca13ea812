# traces/cmake/viz_demo.cmake — the viewer's built-in demo trace (issue #4).
#
# traces/demo.gctrace, if present in the source tree (a recorded classroom
# trace), is the demo; otherwise the build records one with traces/viz_demo.c.
# Either way the bytes are turned into a C array (viz/app/embed.cmake) and
# compiled into `gcscope`, so `gcscope view` with no file always has a trace.
if(GCS_BUILD_VIZ AND TARGET viz_demo)
    set(_demo_src ${PROJECT_SOURCE_DIR}/traces/demo.gctrace)
    set(_demo_bin ${PROJECT_BINARY_DIR}/traces/demo.gctrace)
    set(_demo_c ${PROJECT_BINARY_DIR}/viz_demo_trace.c)
    if(EXISTS ${_demo_src})
        set(_demo ${_demo_src})
        set(_demo_deps ${_demo_src})
    else()
        set(_demo ${_demo_bin})
        add_custom_command(OUTPUT ${_demo_bin}
            COMMAND $<TARGET_FILE:viz_demo> ${_demo_bin}
            DEPENDS viz_demo
            COMMENT "Recording the viewer's demo trace"
            VERBATIM)
        set(_demo_deps ${_demo_bin} viz_demo)
    endif()
    add_custom_command(OUTPUT ${_demo_c}
        COMMAND ${CMAKE_COMMAND} -DIN=${_demo} -DOUT=${_demo_c} -DNAME=gcs_demo_trace
                -P ${PROJECT_SOURCE_DIR}/viz/app/embed.cmake
        DEPENDS ${_demo_deps} ${PROJECT_SOURCE_DIR}/viz/app/embed.cmake
        COMMENT "Embedding the demo trace"
        VERBATIM)
    add_custom_target(viz_demo_embed DEPENDS ${_demo_c})
    add_dependencies(gcscope viz_demo_embed)
    set_source_files_properties(${_demo_c} PROPERTIES GENERATED TRUE)
    target_sources(gcscope PRIVATE ${_demo_c})
    target_compile_definitions(gcscope PRIVATE GCS_HAVE_DEMO_TRACE=1)
    target_compile_options(viz_demo PRIVATE -fmacro-prefix-map=${PROJECT_SOURCE_DIR}/=)
endif()
