/**
 * rpowatch as of an earlier commit, for benchmarks that compare before and after a change in one
 * run: the commit's files exported to a temporary directory (git archive), with this checkout's
 * node_modules linked in; its sources run through tsx as they are.
 */
import { execFileSync } from "node:child_process";
import { realpathSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { packagePath } from "../lib/package-root.ts";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";

export interface GitTree {
  commit: string;
  subject: string;
  root: string;
  remove(): Promise<void>;
}

const git = (args: string[]) => execFileSync("git", args, { cwd: packagePath("."), encoding: "utf8" }).trim();

/** The last commit before the newest one that touched `path` (e.g. the commit that deleted it). */
export function commitBeforeLastChangeOf(path: string): string {
  const last = git(["log", "-1", "--format=%H", "--", path]);
  if (!last) throw new Error(`no commit in this repository's history touches ${path}`);
  return git(["rev-parse", `${last}^`]);
}

export async function exportTree(commit: string): Promise<GitTree> {
  const root = await makeTempDir(`tree-${commit.slice(0, 8)}`);
  try {
    execFileSync("sh", ["-c", `git archive --format=tar ${commit} | tar -x -C "${root}"`], { cwd: packagePath(".") });
    symlinkSync(realpathSync(packagePath("node_modules")), join(root, "node_modules"));
  } catch (err) {
    await removeTempDir(root);
    throw err;
  }
  return { commit, subject: git(["log", "-1", "--format=%s", commit]), root, remove: () => removeTempDir(root) };
}
