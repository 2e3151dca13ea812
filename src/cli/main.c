/* src/cli/main.c — `gcscope <command> [args]`: finds the command in
 * GCS_COMMAND_MAP (commands.h) and runs it. Start reading here. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "gcscope/runtime.h"

/* A command whose file is not part of this build. */
#define X(name, summary)                                                                           \
    __attribute__((weak)) int gcs_cmd_##name(int argc, char **argv)                               \
    {                                                                                              \
        (void)argc;                                                                                \
        (void)argv;                                                                                \
        gcs_cli_error("'%s' is not available in this build", #name);                               \
        return GCS_EXIT_USAGE;                                                                     \
    }
GCS_COMMAND_MAP(X)
#undef X

typedef struct command {
    const char *name;
    const char *summary;
    int (*fn)(int argc, char **argv);
} command;

static const command commands[] = {
#define X(name, summary) {#name, summary, gcs_cmd_##name},
    GCS_COMMAND_MAP(X)
#undef X
};

static void
print_help(FILE *f)
{
    fprintf(f, "usage: gcscope <command> [options] [args]\n\n"
               "Watch reference counting, cycles, generational collection and weak\n"
               "references happen, and find leaks.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'gcscope <command> --help' describes a command.\n"
               "exit status: 0 ok, 1 problems found, 2 usage error, 3 unreadable or\n"
               "damaged input.\n");
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return GCS_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        print_help(stdout);
        return GCS_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("gcscope %s\n", GCS_VERSION_STRING);
        return GCS_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    gcs_cli_error("unknown command '%s'; 'gcscope --help' lists the commands", cmd);
    return GCS_EXIT_USAGE;
}
