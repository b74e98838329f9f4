import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The directory holding rpowatch's package.json. Found by walking up from this module, so it is the
 * same whether the code runs from the sources (lib/) or from the build (dist/lib/).
 */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT: string = findPackageRoot();

/** An absolute path to a file of the package, given relative to its root (e.g. "docs/push-api.md"). */
export function packagePath(relative: string): string {
  return join(PACKAGE_ROOT, relative);
}
