# tests/cmake/leaks.cmake — leak detector (issue #5) checks that need whole
# programs: the exit status under GCSCOPE_LEAKS=exitcode=N, the CLI's exit
# status, and agreement of the in-process and the offline report on one run.
# The programs are traces/leak_*.c; the cmocka tests are test_analysis and
# test_leaks.
find_package(Python3 COMPONENTS Interpreter)
set(_leak_progs leak_cycle leak_refleak leak_uncollectable leak_errors leak_clean)
set(_leak_work ${PROJECT_BINARY_DIR}/tests/leaks)
file(MAKE_DIRECTORY ${_leak_work})

# A program that leaks exits 23 under GCSCOPE_LEAKS=exitcode=23; a clean one 0.
foreach(p leak_cycle leak_refleak leak_uncollectable)
    add_test(NAME leaks_exitcode_${p}
        COMMAND sh -c "GCSCOPE_LEAKS=exitcode=23,log=/dev/null \"$1\"; s=$?; \
echo \"exit status $s\"; test $s -eq 23" sh $<TARGET_FILE:${p}>)
endforeach()
add_test(NAME leaks_exitcode_leak_clean
    COMMAND sh -c "GCSCOPE_LEAKS=exitcode=23,log=/dev/null \"$1\"; s=$?; \
echo \"exit status $s\"; test $s -eq 0" sh $<TARGET_FILE:leak_clean>)

# `gcscope leaks --error-exitcode 7` on a leaking trace exits 7, and
# --gen-suppressions output fed back with --suppressions silences it (exit 0).
add_test(NAME leaks_cli_exitcode_and_suppressions
    COMMAND sh -c "set -u; t=\"$3/cli.gctrace\"; rm -f \"$t\"; \
GCSCOPE_TRACE=\"$t\" \"$1\" || exit 1; \
\"$2\" leaks \"$t\" --error-exitcode 7 >/dev/null; s=$?; test $s -eq 7 || { echo \"want 7, got $s\"; exit 1; }; \
\"$2\" leaks \"$t\" --gen-suppressions > \"$3/cli.supp\" || test $? -eq 1 || exit 1; \
grep -q 'kind: cycle' \"$3/cli.supp\" || { echo 'no suppression generated'; exit 1; }; \
\"$2\" leaks \"$t\" --suppressions \"$3/cli.supp\" --error-exitcode 7; s=$?; \
test $s -eq 0 || { echo \"suppressed run: want 0, got $s\"; exit 1; }"
    sh $<TARGET_FILE:leak_cycle> $<TARGET_FILE:gcscope> ${_leak_work})

if(Python3_Interpreter_FOUND)
    foreach(p ${_leak_progs})
        add_test(NAME leaks_agree_${p}
            COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/cmake/leaks_agree.py
                    $<TARGET_FILE:${p}> $<TARGET_FILE:gcscope> ${_leak_work})
    endforeach()
endif()

# A trace cut short is reported on up to the damage; with no leaks there, the
# status says "damaged" (3). An unreadable file is 3 too.
add_test(NAME leaks_cli_damaged_trace
    COMMAND sh -c "t=\"$3/damaged.gctrace\"; rm -f \"$t\" \"$t.cut\"; \
GCSCOPE_TRACE=\"$t\" \"$1\" || exit 1; \
head -c 600 \"$t\" > \"$t.cut\"; \"$2\" leaks \"$t.cut\" > /dev/null; s=$?; \
test $s -eq 3 || { echo \"damaged: want 3, got $s\"; exit 1; }; \
\"$2\" leaks \"$3/no-such.gctrace\" 2> /dev/null; s=$?; \
test $s -eq 3 || { echo \"missing: want 3, got $s\"; exit 1; }"
    sh $<TARGET_FILE:leak_clean> $<TARGET_FILE:gcscope> ${_leak_work})

# Regression: the culprit of lesson 11's reference leak is the incref in
# l11_handle_request. Freeing the sessions dict reports a REF_DEL per entry and
# then decrefs key and value; the value's decref must still count as removing
# the dict's stored reference (it used to pair with the wrong incref, and the
# report blamed the store at lesson11_refleak.c:85).
add_test(NAME leaks_culprit_lesson11
    COMMAND sh -c "t=\"$3/lesson11.gctrace\"; rm -f \"$t\"; \
GCSCOPE_TRACE=\"$t\" \"$1\" > /dev/null || exit 1; \
out=$(\"$2\" leaks \"$t\"); echo \"$out\" | grep -A1 'likely culprits' ; \
echo \"$out\" | grep -A1 'likely culprits' | grep -q 'in l11_handle_request()' || \
{ echo 'wrong or missing culprit'; exit 1; }"
    sh $<TARGET_FILE:lesson11_refleak> $<TARGET_FILE:gcscope> ${_leak_work})

# Regression (#8): a damaged trace whose readable part has leaks is reported on
# (stdout), then one line on stderr names the file and the damage, and the
# status is 3 even with --error-exitcode: damage wins over "leaks found". It
# used to exit 1 (or N) with no message.
add_test(NAME leaks_cli_damage_wins_over_leaks
    COMMAND sh -c "t=\"$3/dmgleak.gctrace\"; rm -f \"$t\" \"$t.cut\"; \
GCSCOPE_TRACE=\"$t\" \"$1\" > /dev/null || exit 1; \
sz=$(wc -c < \"$t\"); head -c $((sz - 1)) \"$t\" > \"$t.cut\"; \
\"$2\" leaks \"$t.cut\" --error-exitcode 7 > \"$t.out\" 2> \"$t.err\"; s=$?; \
test $s -eq 3 || { echo \"want 3, got $s\"; exit 1; }; \
grep -q 'cyclic garbage' \"$t.out\" || { echo 'no report before the error'; exit 1; }; \
test $(wc -l < \"$t.err\") -eq 1 || { echo 'want one line on stderr:'; cat \"$t.err\"; exit 1; }; \
grep -q 'dmgleak.gctrace.cut' \"$t.err\" || { echo 'error does not name the file'; exit 1; }"
    sh $<TARGET_FILE:leak_cycle> $<TARGET_FILE:gcscope> ${_leak_work})
