// The live NOC page: renders the collector snapshot from the /live WebSocket and keeps it current
// without reloads. Every string from a source goes through textContent, never innerHTML.
import { bytes, duration, level, percent, rate } from "./format.js";
import { pairGroups } from "./pairs.js";
import { applyDelta, emptyState, fromSnapshot, KEYS } from "./state.js";
import { NOC_THRESHOLDS as T } from "./thresholds.js";

let state = emptyState();
/** performance.now() when `state` last came from the collector: the page's clock runs on from there. */
let receivedAt = performance.now();
/** Alerts firing in the built-in evaluator, from the feed's `alerts` messages (docs/exporter.md). */
let firingAlerts = [];
const $ = (id) => document.getElementById(id);
const placeKey = KEYS.groups;

/** Creates an element with text (never parsed as HTML) and optional class and attributes. */
function el(tag, text, cls, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** A horizontal bar filled to `ratio` (capped at 100%) with its text over it. */
function bar(ratio, lvl, text) {
  const wrap = el("div", null, `bar ${lvl}`);
  const fill = el("div", null, "fill");
  fill.style.width = `${Math.max(0, Math.min(1, Number.isFinite(ratio) ? ratio : 1)) * 100}%`;
  wrap.append(fill, el("span", text, "label"));
  return wrap;
}

function cell(content, cls) {
  const td = el("td", null, cls);
  td.append(typeof content === "string" ? document.createTextNode(content) : content);
  return td;
}

/**
 * Colour class of a group or link state. `unknown` (its source is down or stale) is drawn apart
 * from every measured state: it is neither healthy nor a known failure.
 */
const STATE_LEVEL = {
  active: "ok",
  up: "ok",
  error: "crit",
  bitmap: "crit",
  down: "crit",
  unknown: "unknown",
};
const stateLevel = (state) => STATE_LEVEL[state] ?? "warn";

/** The render instant on the collector's clock: the snapshot's time plus the time since it came. */
const renderTime = () => state.timestamp + (performance.now() - receivedAt) / 1000;

/**
 * Whether a source is down or its data older than it promises (collector/derive/staleness.ts); a
 * bound of +Inf arrives as null in JSON: such a source is never stale by age.
 */
function sourceStale(name, now) {
  const s = state.sources.get(name);
  if (s === undefined) return false;
  const age = s.dataTimestamp > 0 ? now - s.dataTimestamp : Number.POSITIVE_INFINITY;
  return !s.up || (typeof s.staleAfterSeconds === "number" && age > s.staleAfterSeconds);
}

/**
 * A group view's RPO at `now`, as /metrics renders it (collector/derive/rpo.ts rpoAt): the oldest
 * pending write has aged since it was observed; once the source is stale the data at risk grows
 * from the last figure even from 0. Nothing pending stays 0 while the source reports.
 */
function rpoAt(g, now) {
  const d = g.derived;
  const grows = sourceStale(g.source, now) || d.rpoSeconds > 0;
  return grows ? d.rpoSeconds + Math.max(0, now - d.observedTimestamp) : 0;
}

/** RPO over its target (collector/derive/rpo.ts rpoTargetRatio). */
function targetRatio(rpo, target) {
  if (target > 0) return rpo / target;
  return rpo > 0 ? Number.POSITIVE_INFINITY : 0;
}

/** A site's side of a group row: site name, the group's state there, and its source if down. */
function siteHealth(view, siteName) {
  const wrap = el("span", null, "site");
  wrap.append(el("span", siteName, "site-name"));
  if (!view) {
    wrap.append(el("span", "not reported", "state muted"));
    return wrap;
  }
  wrap.append(el("span", view.derived.state, `state ${stateLevel(view.derived.state)}`));
  const source = state.sources.get(view.source);
  if (source && !source.up) wrap.append(el("span", "source down", "state unknown"));
  return wrap;
}

/** How the recovery site's image access reads on the wall (GroupRecoverySample.imageAccess). */
const IMAGE_ACCESS = { off: "off", "read-only": "image access", "test-failover": "test failover" };

/**
 * The group's recovery state as [text, level]: a failover, as either site reports it
 * (GroupSample.failover), outranks image access; the recovery side's view comes first.
 */
function recoveryState(row) {
  const failedOver = [row.recovery, row.production].find((v) => v?.raw.failover && v.raw.failover !== "none");
  if (failedOver) {
    const phase = failedOver.raw.failover;
    if (phase === "promoted") return [`failed over to ${failedOver.site}`, "warn"];
    if (phase === "promoting") return [`promoting at ${failedOver.site}`, "warn"];
    return [`fenced at ${failedOver.site}`, "warn"];
  }
  const mode = (row.recovery ?? row.production).raw.recovery?.imageAccess;
  if (mode === undefined) return ["not reported", "muted"];
  return [IMAGE_ACCESS[mode] ?? mode, mode === "off" ? "ok" : "warn"];
}

/**
 * The group's DR readiness, from the site that runs its drills (the recovery side, else the only
 * one reported): time since the last successful test, the last drill's RTO (a failover's too) and
 * the recovery state. Nothing reported reads "not reported"; a site that reports no drill on
 * record, "never tested".
 */
function readinessCells(row) {
  const view = row.recovery ?? row.production;
  const drill = view.raw.lastTestFailoverTimestamp;
  const age = drill === undefined ? undefined : Math.max(0, renderTime() - drill);
  const ageCell =
    drill === undefined
      ? el("span", "never tested", "drill warn")
      : el("span", `${duration(age)} ago`, `drill ${level(age, T.drillAge)}`);
  const rto = view.raw.recovery?.lastDrillRtoSeconds;
  const [text, lvl] = recoveryState(row);
  return [
    cell(ageCell, "drill-age"),
    cell(rto === undefined ? "–" : duration(rto), "num drill-rto"),
    cell(el("span", text, `state ${lvl}`), "recovery-state"),
  ];
}

function renderGroups() {
  const journalOf = (g) => (g ? state.journals.get(placeKey(g)) : undefined);
  const rows = pairGroups(state.groups.values(), (g) => journalOf(g) !== undefined);
  const now = renderTime();
  const rpo = (row) => rpoAt(row.production, now);
  const ratio = (row) => targetRatio(rpo(row), row.production.raw.rpoTargetSeconds);
  rows.sort((a, b) => ratio(b) - ratio(a));
  const trs = rows.map((row) => {
    const p = row.production;
    const d = p.derived;
    const rpoRatio = ratio(row);
    const journal = journalOf(row.recovery) ?? journalOf(p);
    // An unknown state means the RPO is the last measured one, still growing: a lower bound.
    const atLeast = d.state === "unknown" ? "≥ " : "";
    const tr = el("tr", null, `state-${d.state}`, { "data-key": row.key });
    tr.append(
      cell(row.tenant, "name"),
      cell(row.group, "name group-name"),
      cell(siteHealth(p, p.site), "production"),
      cell(siteHealth(row.recovery, row.recoverySite), "recovery"),
      cell(
        bar(
          rpoRatio,
          level(rpoRatio, T.rpoRatio),
          `${atLeast}${duration(rpo(row))} / ${duration(p.raw.rpoTargetSeconds)}`,
        ),
        "rpo",
      ),
      cell(rate(d.changeRateBytesPerSecond), "num"),
      cell(d.backlogBytes > 0 ? `${bytes(d.backlogBytes)} (${d.bottleneck})` : "0", "num"),
      cell(
        journal
          ? bar(
              journal.derived.utilizationRatio,
              level(journal.derived.utilizationRatio, T.journalUtilization),
              percent(journal.derived.utilizationRatio),
            )
          : "–",
      ),
      ...readinessCells(row),
    );
    return tr;
  });
  $("groups").replaceChildren(...trs);
  $("group-count").textContent = String(rows.length);
}

function renderLinks() {
  const rows = [...state.links.entries()].map(([key, l]) => {
    const d = l.derived;
    const limited = l.raw.limitBytesPerSecond > 0;
    const tr = el("tr", null, null, { "data-key": key });
    tr.append(
      cell(l.tenant, "name"),
      cell(l.site, "name"),
      cell(l.link, "name"),
      cell(el("span", d.state, `state ${stateLevel(d.state)}`)),
      cell(
        limited
          ? bar(
              d.utilizationRatio,
              level(d.utilizationRatio, T.linkUtilization),
              `${rate(d.throughputBytesPerSecond)} of ${rate(l.raw.limitBytesPerSecond)}`,
            )
          : `${rate(d.throughputBytesPerSecond)} (unlimited)`,
      ),
      cell(duration(l.raw.rttSeconds), "num"),
    );
    return tr;
  });
  $("links").replaceChildren(...rows);
}

const SEVERITY_LEVEL = { critical: "crit", warning: "warn", info: "info" };
const LEVEL_RANK = { crit: 0, unknown: 0, warn: 1, info: 2 };

/**
 * What needs a look, from the feed: groups over target or failed over, links not up, sources down
 * or stale, journals filling, and the alerts the built-in evaluator fires.
 */
function attentionItems() {
  const now = renderTime();
  const items = [];
  for (const g of state.groups.values()) {
    // Only the production side's RPO is the group's (a recovery site's is an upper bound).
    const ratio = targetRatio(rpoAt(g, now), g.raw.rpoTargetSeconds);
    const lvl = g.raw.role === "recovery" ? "ok" : level(ratio, T.rpoRatio);
    if (lvl !== "ok") items.push([lvl, `RPO ${percent(ratio)} of target`, `${g.tenant} / ${g.site} / ${g.group}`]);
    // Served writable at the site it failed over to, and replicated nowhere until reprotected.
    if (g.raw.failover === "promoted")
      items.push([
        "warn",
        "failed over to this site: unprotected until reprotected",
        `${g.tenant} / ${g.site} / ${g.group}`,
      ]);
    const stateLvl = stateLevel(g.derived.state);
    if (stateLvl === "crit" || stateLvl === "unknown")
      items.push([stateLvl, `state ${g.derived.state}`, `${g.tenant} / ${g.site} / ${g.group}`]);
  }
  for (const l of state.links.values()) {
    if (l.derived.state !== "up") {
      const lvl = stateLevel(l.derived.state) === "unknown" ? "unknown" : "crit";
      items.push([lvl, `link ${l.derived.state}`, `${l.tenant} / ${l.site} / ${l.link}`]);
    }
  }
  for (const j of state.journals.values()) {
    const lvl = level(j.derived.utilizationRatio, T.journalUtilization);
    if (lvl !== "ok")
      items.push([lvl, `journal ${percent(j.derived.utilizationRatio)} full`, `${j.tenant} / ${j.site} / ${j.group}`]);
  }
  for (const s of state.sources.values()) {
    if (!s.up) items.push(["crit", "source down", s.source]);
    else if (s.dataTimestamp > 0 && level(now - s.dataTimestamp, T.dataAge) !== "ok") {
      items.push([level(now - s.dataTimestamp, T.dataAge), `data ${duration(now - s.dataTimestamp)} old`, s.source]);
    }
  }
  for (const a of firingAlerts) {
    const l = a.labels;
    const who = [l.tenant, l.site, l.group ?? l.link ?? l.source].filter(Boolean).join(" / ");
    items.push([SEVERITY_LEVEL[l.severity] ?? "warn", `${l.alertname}: ${a.annotations.summary ?? ""}`, who, "alert"]);
  }
  return items.sort((a, b) => LEVEL_RANK[a[0]] - LEVEL_RANK[b[0]]);
}

function renderAttention() {
  const items = attentionItems().map(([lvl, what, who, kind]) => {
    const li = el("li", null, kind ? `${lvl} ${kind}` : lvl);
    li.append(el("span", who, "who"), el("span", what, "what"));
    return li;
  });
  if (items.length === 0)
    items.push(el("li", "All groups within target, links up, sources fresh, no alerts firing", "ok"));
  $("attention").replaceChildren(...items);
}

function render() {
  renderGroups();
  renderLinks();
  renderAttention();
  $("updated").textContent = state.timestamp ? new Date(state.timestamp * 1000).toLocaleTimeString() : "–";
  $("seq").textContent = String(state.seq);
}

function setConnection(text, cls) {
  const node = $("connection");
  node.textContent = text;
  node.className = cls;
}

let retryMs = 500;

function connect() {
  const url = new URL("live", window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(url);
  setConnection("connecting", "warn");
  socket.addEventListener("open", () => {
    retryMs = 500;
    setConnection("live", "ok");
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "snapshot") state = fromSnapshot(message.snapshot);
    else if (message.type === "alerts") firingAlerts = message.alerts;
    else if (message.type === "delta" && !applyDelta(state, message.delta)) {
      socket.close(); // missed an update: reconnecting brings a fresh snapshot
      return;
    }
    if (message.type !== "alerts") receivedAt = performance.now();
    render();
  });
  socket.addEventListener("close", () => {
    setConnection("reconnecting", "crit");
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  });
}

/**
 * First paint: the current snapshot and alerts are fetched at once, so the page shows data before
 * the WebSocket opens; the feed's own snapshot replaces them when it arrives (it is never older).
 */
async function firstPaint() {
  const [snapshot, alerts] = await Promise.all(
    ["api/snapshot", "api/alerts"].map((path) =>
      fetch(new URL(path, window.location.href)).then((r) => (r.ok ? r.json() : null)),
    ),
  );
  if (state.seq >= 0 || !snapshot) return;
  state = fromSnapshot(snapshot);
  receivedAt = performance.now();
  if (alerts) firingAlerts = alerts.alerts;
  render();
}

firstPaint().catch(() => {});
connect();
// Figures that are functions of time (RPO, ages) move on between updates, which a silent source
// never sends: the page renders them at its own instant every second.
setInterval(() => {
  if (state.seq >= 0) render();
}, 1000);
