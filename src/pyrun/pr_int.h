/* src/pyrun/pr_int.h — internal declarations shared by the pyrun files
 * (front end: pr_ast.h; scope resolution; the evaluator's pieces). */
#ifndef GCS_PR_INT_H
#define GCS_PR_INT_H

#include "pr_ast.h"

/* Resolve every name of the parsed program to its scope (pr_scope.c): fills
 * node->op/slot/ival of PR_N_NAME nodes and each code unit's locals. Refuses
 * closures (reading a local of an enclosing function) with GCS_EFORMAT. */
int pr_resolve(pr_program *prog, pr_error *err);

#endif
