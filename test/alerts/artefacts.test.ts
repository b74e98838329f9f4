/**
 * The generated alert artefacts pass the real tools (promtool, amtool, smilint, snmptranslate),
 * cover every catalogue alert both ways, build byte-identically, and match the checked-in copies.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAlertmanagerConfig } from "../../alerts/alertmanager-config.ts";
import {
  ALERTMANAGER_FILE,
  buildAlertArtefacts,
  RULES_FILE,
  TESTS_FILE,
  toYaml,
  writeArtefacts,
} from "../../alerts/build.ts";
import { buildAlertsDoc } from "../../alerts/docs.ts";
import { MIB_FILE, MIB_MODULE, notificationName } from "../../alerts/mib.ts";
import { untestedAlerts } from "../../alerts/promtool-tests.ts";
import { RECORDING_RULES } from "../../alerts/rules.ts";
import { CASES } from "../../alerts/tests/cases.ts";
import { ALERT_LIST, notificationOid, runbookAnchor } from "../../model/alerts.ts";
import { requireBinary } from "../support/binaries.ts";
import { runCommand } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";
import { mibSearchPath } from "./mib-path.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CHECKED_IN = join(ROOT, "generated/alerts");
let dir: string;

beforeAll(async () => {
  dir = await makeTempDir("alerts-build");
  await writeArtefacts(dir, buildAlertArtefacts());
});
afterAll(() => removeTempDir(dir));

describe("Prometheus rules", () => {
  it("pass promtool check rules", async () => {
    const promtool = requireBinary("/usr/bin/promtool", "prometheus");
    const out = await runCommand(promtool, ["check", "rules", join(dir, RULES_FILE)]);
    expect(out).toContain(`SUCCESS: ${ALERT_LIST.length + RECORDING_RULES.length} rules found`);
  });

  it("pass their promtool unit tests", async () => {
    const promtool = requireBinary("/usr/bin/promtool", "prometheus");
    const out = await runCommand(promtool, ["test", "rules", join(dir, TESTS_FILE)], { cwd: dir });
    expect(out).toContain("SUCCESS");
  });

  it("every catalogue alert has a firing and a silent promtool test", () => {
    expect(untestedAlerts(CASES)).toEqual([]);
    // The check itself bites: drop one alert's cases and it is reported.
    expect(untestedAlerts(CASES.filter((c) => c.alert !== "linkDown"))).toEqual(["LinkDown"]);
  });

  it("are ASCII, with CamelCase names and the required labels and annotations", () => {
    const rules = readFileSync(join(dir, RULES_FILE), "utf8");
    expect(rules).toMatch(/^[\t\n -~]*$/);
    for (const a of ALERT_LIST) {
      expect(a.name).toMatch(/^[A-Z][a-zA-Z0-9]+$/);
      expect(rules).toContain(`alert: ${a.name}\n`);
    }
    expect(new Set(ALERT_LIST.map((a) => a.oid)).size).toBe(ALERT_LIST.length);
  });
});

it("the Alertmanager configuration passes amtool check-config", async () => {
  const amtool = requireBinary("/usr/bin/amtool", "prometheus-alertmanager");
  const out = await runCommand(amtool, ["check-config", join(dir, ALERTMANAGER_FILE)]);
  expect(out).toContain("SUCCESS");
  expect(readFileSync(join(dir, ALERTMANAGER_FILE), "utf8")).toContain("send_resolved: true");
});

it("the Alertmanager configuration with per-tenant routes passes amtool check-config", async () => {
  const amtool = requireBinary("/usr/bin/amtool", "prometheus-alertmanager");
  const file = join(dir, "tenants.yml");
  writeFileSync(file, toYaml(buildAlertmanagerConfig({ tenants: [{ tenant: "acme", email: [] }] })));
  const out = await runCommand(amtool, ["check-config", file]);
  expect(out).toContain("3 receivers");
  expect(readFileSync(file, "utf8")).toContain("/api/v1/alertmanager?tenant=acme");
});

describe("RPOWATCH-MIB", () => {
  const env = () => ({ ...process.env, SMIPATH: mibSearchPath(dir), MIBDIRS: mibSearchPath(dir), MIBS: MIB_MODULE });

  it("is clean under smilint -l 6", async () => {
    const smilint = requireBinary("/usr/bin/smilint", "smitools");
    const out = await runCommand(smilint, ["-l", "6", "-s", join(dir, MIB_FILE)], { env: env() });
    expect(out).toBe("");
  });

  it("has a notification with the right OID for every alert (snmptranslate)", async () => {
    const snmptranslate = requireBinary("/usr/bin/snmptranslate", "snmp");
    for (const a of ALERT_LIST) {
      const out = await runCommand(snmptranslate, ["-On", `${MIB_MODULE}::${notificationName(a)}`], { env: env() });
      expect(out.trim()).toBe(`.${notificationOid(a)}`);
    }
  });

  it("has no notification without an alert", async () => {
    const snmptranslate = requireBinary("/usr/bin/snmptranslate", "snmp");
    const mib = readFileSync(join(dir, MIB_FILE), "utf8");
    const declared = [...mib.matchAll(/^(\w+) NOTIFICATION-TYPE/gm)].map((m) => m[1]!);
    expect(declared.length).toBeGreaterThan(0);
    const byOid = new Map(ALERT_LIST.map((a) => [notificationOid(a), a]));
    for (const name of declared) {
      const oid = (await runCommand(snmptranslate, ["-On", `${MIB_MODULE}::${name}`], { env: env() })).trim();
      const alert = byOid.get(oid.replace(/^\./, ""));
      expect(alert && notificationName(alert), `${name} ${oid}`).toBe(name);
    }
  });
});

describe("reproducibility and checked-in copies", () => {
  it("builds byte-identically twice", () => {
    expect(buildAlertArtefacts()).toEqual(buildAlertArtefacts());
  });

  it("generated/alerts matches a fresh build (run `rpowatch alerts build --out generated/alerts`)", () => {
    for (const [name, text] of buildAlertArtefacts()) {
      expect(readFileSync(join(CHECKED_IN, name), "utf8"), name).toBe(text);
    }
  });

  it("docs/alerts.md matches the catalogue (run `rpowatch alerts docs --out docs/alerts.md`)", () => {
    expect(readFileSync(join(ROOT, "docs/alerts.md"), "utf8")).toBe(buildAlertsDoc());
  });

  it("every runbook_url points at an existing section of docs/runbooks.md", () => {
    const anchors = new Set(
      [...readFileSync(join(ROOT, "docs/runbooks.md"), "utf8").matchAll(/^## (.+)$/gm)].map((m) =>
        m[1]!.trim().toLowerCase().replace(/\s+/g, "-"),
      ),
    );
    for (const a of ALERT_LIST) expect(anchors, a.name).toContain(runbookAnchor(a));
  });
});

describe("the checks docs/operations.md tells an operator to run", () => {
  // The sh block after "Check what was built before loading it", run line by line as written, from
  // the package root, on the tools .ci/run installs: no step may need anything the docs leave out.
  const docs = readFileSync(join(ROOT, "docs/operations.md"), "utf8");
  const section = docs.slice(docs.indexOf("Check what was built before loading it"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  const commands = block.split("\n").filter((line) => line.trim() !== "");

  it("are the promtool, amtool and smilint checks", () => {
    expect(commands.map((c) => /(promtool|amtool|smilint)/.exec(c)?.[1])).toEqual([
      "promtool",
      "promtool",
      "amtool",
      "smilint",
    ]);
  });

  it.each(commands)("%s", async (command) => {
    const packages = { promtool: "prometheus", amtool: "prometheus-alertmanager", smilint: "smitools" };
    for (const [tool, pkg] of Object.entries(packages))
      if (command.includes(tool)) requireBinary(`/usr/bin/${tool}`, pkg);
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" };
    const out = await runCommand("/bin/sh", ["-c", command], { cwd: ROOT, env });
    if (command.includes("smilint")) expect(out).toBe("");
  });
});
