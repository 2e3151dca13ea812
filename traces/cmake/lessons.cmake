# traces/cmake/lessons.cmake — the teaching lessons (issue #6, docs/teaching.md).
#
# Every traces/lessonNN_<name>.c is already built as an executable by
# traces/CMakeLists.txt. Here: their call sites are recorded relative to the
# source tree (lesson03_cycle.c:42 rather than an absolute path), and the target
# `lessons` runs each one with GCSCOPE_TRACE set, (re)writing the committed trace
# traces/lessonNN_<name>.gctrace in the source tree:
#
#     cmake --build build/dev --target lessons
#
# The custom commands' declared outputs are stamp files in the build tree, so
# that `clean` never deletes the committed traces.
file(GLOB _gcs_lessons CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/traces/lesson[0-9][0-9]_*.c)
set(_gcs_lesson_stamps)
foreach(_src ${_gcs_lessons})
    get_filename_component(_name ${_src} NAME_WE)
    target_compile_options(${_name} PRIVATE -fmacro-prefix-map=${PROJECT_SOURCE_DIR}/=)
    set(_trace ${PROJECT_SOURCE_DIR}/traces/${_name}.gctrace)
    set(_stamp ${PROJECT_BINARY_DIR}/traces/${_name}.recorded)
    add_custom_command(OUTPUT ${_stamp}
        COMMAND ${CMAKE_COMMAND} -E env GCSCOPE_TRACE=${_trace} $<TARGET_FILE:${_name}>
        COMMAND ${CMAKE_COMMAND} -E touch ${_stamp}
        DEPENDS ${_name}
        WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
        COMMENT "Recording traces/${_name}.gctrace"
        VERBATIM)
    list(APPEND _gcs_lesson_stamps ${_stamp})
endforeach()
add_custom_target(lessons DEPENDS ${_gcs_lesson_stamps})
