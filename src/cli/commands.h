/* src/cli/commands.h — the table of `gcscope` commands.
 * X(name, summary). Each command lives in src/cli/cmd_<name>.c and defines
 *   int gcs_cmd_<name>(int argc, char **argv);   (argv[0] is the command name)
 * returning the process exit status: 0 ok, 1 failure found (leaks, errors),
 * 2 usage error, 3 unreadable or damaged input. A command that is not part of
 * this build (no viewer) falls back to a one-line message and exit 2.
 */
#ifndef GCS_CLI_COMMANDS_H
#define GCS_CLI_COMMANDS_H

/* clang-format off */
#define GCS_COMMAND_MAP(X)                                                             \
    X(info,   "summarise a trace: events, objects, collector passes, damage")          \
    X(dump,   "print a trace's events, one per line (or JSON Lines)")                  \
    X(export, "export a trace as Chrome/Perfetto JSON, Graphviz DOT or JSON Lines")    \
    X(record, "run a program with trace recording on")                                 \
    X(leaks,  "report leaked objects in a trace (CI-friendly exit status)")            \
    X(run,    "run a Python snippet on the gcscope runtime")                           \
    X(view,   "open the viewer on a trace, a .py snippet or the built-in demo")        \
    X(render, "render a moment of a trace to PNG, headless")                           \
    X(demo,   "run the built-in demo program and print what happened")
/* clang-format on */

#define X(name, summary) int gcs_cmd_##name(int argc, char **argv);
GCS_COMMAND_MAP(X)
#undef X

#endif
