/*
 * diff-sides.h - the two sides of a diff as the programs that compare
 * name them (`vault diff`, `vault creative diff`): a revision's tree, or
 * the working folder hashed without storing anything. Both die with the
 * same messages wherever they are used.
 */
#ifndef VLT_CLI_DIFF_SIDES_H
#define VLT_CLI_DIFF_SIDES_H

#include "hash.h"

struct vlt_repo;

/* The tree rev names (a snapshot, a tree, SNAP:dir) into *tree. With
 * unborn_ok, a HEAD with no snapshot yet is the empty tree (a fresh
 * repository diffs as "everything added"). Dies otherwise. */
void cli_diff_tree(struct vlt_repo *r, const char *rev, struct vlt_oid *tree,
		   int unborn_ok);

/* The working folder as a tree into *tree, hashed the way a backup sees
 * it (ignore rules, file cache) with nothing stored. Unless quiet, says
 * on standard error how many paths the ignore rules left out. Dies in a
 * bare repository or when the folder cannot be read. */
void cli_diff_worktree(struct vlt_repo *r, struct vlt_oid *tree, int quiet);

#endif
