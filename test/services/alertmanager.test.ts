import { afterAll, expect, it } from "vitest";
import { isPortFree } from "../support/net.ts";
import { type AlertmanagerInstance, checkAlertmanagerConfig, startAlertmanager } from "./alertmanager.ts";

const configYaml = `
route:
  receiver: blackhole
  group_wait: 1s
receivers:
  - name: blackhole
`;

let alertmanager: AlertmanagerInstance | undefined;
afterAll(() => alertmanager?.stop());

it("accepts a checked config, receives an alert and releases its port on stop", async () => {
  expect(await checkAlertmanagerConfig(configYaml)).toContain("SUCCESS");
  await expect(checkAlertmanagerConfig("route: {receiver: missing}\n")).rejects.toThrow(/amtool check-config/);

  const am = await startAlertmanager({ configYaml });
  alertmanager = am;
  const posted = await fetch(`${am.url}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([{ labels: { alertname: "RpoSelfTest", cg: "cg1" } }]),
  });
  expect(posted.ok).toBe(true);
  const alerts = await am.alerts();
  expect(alerts.map((a) => a.labels.alertname)).toEqual(["RpoSelfTest"]);

  await am.stop();
  expect(await isPortFree(am.port)).toBe(true);
});
