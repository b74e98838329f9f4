/** Enumerations exported as state sets: one series per possible value, 1 for the current one. */
export function stateSet<S extends string>(states: readonly S[], current: S): Array<[S, 0 | 1]> {
  return states.map((s) => [s, s === current ? 1 : 0]);
}
