import { accessSync, constants } from "node:fs";

/**
 * Returns the path of an executable the tests need, or throws naming the Debian package that
 * provides it, so a missing service fails the test loudly instead of skipping it.
 */
export function requireBinary(path: string, debianPackage: string): string {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    const name = path.split("/").pop();
    throw new Error(
      `${name} not found: install the Debian package ${debianPackage} (apt-get install ${debianPackage})`,
    );
  }
}
