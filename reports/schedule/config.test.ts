import { describe, expect, it } from "vitest";
import { stackConfig } from "../../config/schema.ts";
import { ConfigError, parseConfig } from "../../lib/config-file.ts";

const issuesOf = (text: string) => {
  try {
    parseConfig(stackConfig, text, "stack.yaml");
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
};

const SMTP = "alerts:\n  email: { host: 127.0.0.1, from: rpowatch@example.com, to: [noc@example.com] }\n";

describe("the reports section", () => {
  it("schedules nothing with no configuration", () => {
    expect(stackConfig.parse({}).reports).toEqual({ schedule: [], stateFile: "report-schedule.json" });
  });

  it("fills in each kind's cron, UTC, the reports directory and no recipients", () => {
    const { reports } = parseConfig(
      stackConfig,
      "reports:\n  schedule:\n    - kind: capacity\n    - { kind: health, tenant: acme, dir: /srv/reports }\n",
      "stack.yaml",
    );
    expect(reports.schedule).toEqual([
      { kind: "capacity", cron: "0 6 1 * *", timezone: "UTC", dir: "reports", recipients: [] },
      { kind: "health", cron: "0 6 * * *", timezone: "UTC", dir: "/srv/reports", recipients: [], tenant: "acme" },
    ]);
  });

  it("takes a cron expression, a time zone and recipients when an SMTP server is configured", () => {
    const { reports } = parseConfig(
      stackConfig,
      `${SMTP}reports:\n  schedule:\n    - kind: capacity\n      cron: "30 7 1 * *"\n      timezone: Europe/Paris\n      recipients: [dr-team@example.com]\n`,
      "stack.yaml",
    );
    expect(reports.schedule[0]).toMatchObject({
      cron: "30 7 1 * *",
      timezone: "Europe/Paris",
      recipients: ["dr-team@example.com"],
    });
  });

  it("refuses a bad cron expression at load, naming its path, line and croner's reason", () => {
    const issues = issuesOf('reports:\n  schedule:\n    - kind: capacity\n      cron: "0 6 32 * *"\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: "reports.schedule.0.cron", line: 4 });
    expect(issues[0]!.message).toContain('"0 6 32 * *" is not a cron expression');
    expect(issues[0]!.message).toMatch(/day/i);
    expect(issuesOf('reports:\n  schedule:\n    - { kind: health, cron: "every morning" }\n')[0]).toMatchObject({
      path: "reports.schedule.0.cron",
    });
  });

  it("refuses an unknown time zone, a kind it cannot make and an unknown field", () => {
    const issues = issuesOf(
      "reports:\n  schedule:\n    - { kind: capacity, timezone: Mars/Olympus }\n    - { kind: weekly }\n    - { kind: health, recipient: [a@b.c] }\n",
    );
    expect(issues.map((i) => i.path)).toEqual([
      "reports.schedule.0.timezone",
      "reports.schedule.1.kind",
      "reports.schedule.2.recipient",
    ]);
    expect(issues[0]!.message).toContain('unknown time zone "Mars/Olympus"');
  });

  it("refuses recipients without an SMTP server, and a schedule without history", () => {
    const mail = issuesOf("reports:\n  schedule:\n    - { kind: capacity, recipients: [dr@example.com] }\n");
    expect(mail).toEqual([
      {
        path: "reports.schedule.0.recipients",
        line: 3,
        message: "mailing a report needs an SMTP server: configure alerts.email (host, from, to)",
      },
    ]);
    const history = issuesOf("history: { enabled: false }\nreports:\n  schedule:\n    - { kind: health }\n");
    expect(history.map((i) => [i.path, i.message])).toEqual([
      ["reports.schedule.0", "a scheduled report reads the stack's history, but history.enabled is false"],
    ]);
  });

  it("refuses the same report into the same directory twice", () => {
    const issues = issuesOf(
      'reports:\n  schedule:\n    - { kind: capacity }\n    - { kind: capacity, cron: "0 7 1 * *" }\n',
    );
    expect(issues.map((i) => i.path)).toEqual(["reports.schedule.1"]);
    expect(issues[0]!.message).toContain("as entry 0");
  });
});
