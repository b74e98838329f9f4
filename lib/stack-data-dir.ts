/** The data directory of `rpowatch start` with no configuration (`npm start`), relative to where it runs. */
export const DEFAULT_STACK_DATA_DIR = "var/stack";
