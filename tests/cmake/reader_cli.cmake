# tests/cmake/reader_cli.cmake — CLI regressions of the reader/replay owner:
#   reader__render_size_rejects_junk  `render --size` refused junk that sscanf
#       accepted ("1280x800junk", "1280x", "x800", "+1280x800", overflow): exit 2
#       with one line (clang-tidy cert-err34); a good size still renders.
# (render and `export --format dot` exit 3 on damaged traces: robustness__hostile.)
if(NOT GCS_BUILD_VIZ)
    return()
endif()
add_test(NAME reader__render_size_rejects_junk
    COMMAND sh -c "t=\"$1\"; g=\"$2\"; o=\"$3\"; \
for s in 1280x800junk 1280x x800 +1280x800 1280x800x2 99999999999999999999x800 ' 1280x800' 1280X800; do \
  \"$g\" render \"$t\" -o \"$o\" --size \"$s\" 2>err.txt; rc=$?; \
  if [ $rc -ne 2 ]; then echo \"--size '$s': exit $rc, want 2\"; exit 1; fi; \
  if [ $(wc -l < err.txt) -ne 1 ]; then echo \"--size '$s': not one line\"; exit 1; fi; \
done; \"$g\" render \"$t\" -o \"$o\" --size 640x400 >/dev/null || exit 1; test -s \"$o\""
    sh ${PROJECT_SOURCE_DIR}/traces/lesson03_cycle.gctrace $<TARGET_FILE:gcscope>
    ${CMAKE_CURRENT_BINARY_DIR}/reader_size.png)
