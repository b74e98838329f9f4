// One row per protected group: the views of a group that both sites report (same tenant and group
// name) are paired, production → recovery. The recovery side is the one holding the journal; a
// group only one site reports (e.g. a push source) keeps that view as its production side, and its
// recovery side is named from its peerSite without data.

/** The row key of a group view: tenant and group, whichever site reports it. */
export const pairKey = (g) => `${g.tenant}/${g.group}`;

/**
 * Pairs the page's group views (state.groups) into rows; `hasJournal(view)` says whether its site
 * holds the group's journal. Returns [{ key, tenant, group, production, recovery, recoverySite }].
 */
export function pairGroups(groups, hasJournal) {
  const byKey = new Map();
  for (const g of groups) byKey.set(pairKey(g), [...(byKey.get(pairKey(g)) ?? []), g]);
  return [...byKey].map(([key, views]) => {
    const production = views.find((v) => !hasJournal(v)) ?? views[0];
    const recovery = views.find((v) => v !== production) ?? null;
    return {
      key,
      tenant: production.tenant,
      group: production.group,
      production,
      recovery,
      recoverySite: recovery?.site ?? production.raw.peerSite ?? "",
    };
  });
}
