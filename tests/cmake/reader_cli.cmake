# tests/cmake/reader_cli.cmake — CLI regressions of the reader/replay owner:
#   reader__render_size_rejects_junk  `render --size` refused junk that sscanf
#       accepted ("1280x800junk", "1280x", "x800", "+1280x800", overflow): exit 2
#       with one line (clang-tidy cert-err34); a good size still renders.
# (render and `export --format dot` exit 3 on damaged traces: robustness__hostile.)
#   reader__bigtrace_alive_matches_heap_end  issue #8: `info` on a bigtrace_gen
#       trace must report as many objects alive at the end as its HEAP_END event
#       says (the generator counted one cycle partner per 10,000 live objects
#       where i % 10000 == 5 makes one more: 10,006 live -> 2 partners, not 1).
#   reader__thread_<test>  the replay, leak-analysis and trace suites again with
#       GCSCOPE_READER_THREAD=1: every open, however small the file, decodes on
#       the reader's decode thread (by default only files of 1 MiB and more do).
foreach(t test_replay test_replay_model test_heapgraph test_trace test_leaks)
    add_test(NAME reader__thread_${t} COMMAND ${t})
    set_tests_properties(reader__thread_${t} PROPERTIES ENVIRONMENT "GCSCOPE_READER_THREAD=1")
endforeach()
#   reader__thread_decode_matches  test_reader's thread test alone (for the tsan
#       preset, where the whole of test_reader takes minutes).
add_test(NAME reader__thread_decode_matches COMMAND test_reader)
set_tests_properties(reader__thread_decode_matches PROPERTIES
    ENVIRONMENT "GCS_TEST_FILTER=*decode_thread*")
if(GCS_BUILD_BENCH)
    add_test(NAME reader__bigtrace_alive_matches_heap_end
        COMMAND sh -c "t=\"$1\"; \"$2\" \"$t\" 1 10006 >/dev/null || exit 1; \
j=$(\"$3\" info --json \"$t\") || exit 1; \
a=$(echo \"$j\" | sed -n 's/.*\"alive\":\\([0-9]*\\).*/\\1/p'); \
h=$(echo \"$j\" | sed -n 's/.*\"heap_end_live\":\\([0-9]*\\).*/\\1/p'); \
echo \"alive $a heap_end $h\"; [ -n \"$a\" ] && [ \"$a\" = \"$h\" ] && [ \"$a\" = 10008 ]"
        sh ${CMAKE_CURRENT_BINARY_DIR}/reader_bigtrace.gctrace $<TARGET_FILE:bigtrace_gen>
        $<TARGET_FILE:gcscope>)
    # A flag is not an output path (`bigtrace_gen --help` once wrote a 1 GiB
    # trace named --help): --help prints the usage, an unknown flag exits 2,
    # and neither creates a file.
    add_test(NAME reader__bigtrace_gen_flags_are_not_paths
        COMMAND sh -c "d=$(mktemp -d) && cd \"$d\" || exit 1; \"$1\" --help | grep -q '^usage: bigtrace_gen' || exit 1; \"$1\" --bogus 2>/dev/null; rc=$?; [ $rc -eq 2 ] || { echo \"--bogus: exit $rc\"; exit 1; }; n=$(ls -A | wc -l); cd / && rm -rf \"$d\"; [ \"$n\" -eq 0 ] || { echo \"$n files created\"; exit 1; }"
        sh $<TARGET_FILE:bigtrace_gen>)
endif()
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
