import { afterAll, expect, it } from "vitest";
import { isPortFree } from "../support/net.ts";
import { counter64, type SnmpSession, type SnmpVarbind, shaAesUser, snmp } from "../support/net-snmp.ts";
import { type SnmptrapdInstance, startSnmptrapd } from "./snmptrapd.ts";

const trapOid = "1.3.6.1.4.1.8072.2.3.0.1";
const engineId = "8000B98380A1B2C3D4E5F60718";
const v3User = {
  user: "rpowatch",
  authProtocol: "SHA",
  authKey: "auth-secret-1",
  privProtocol: "AES",
  privKey: "priv-secret-1",
} as const;

let trapd: SnmptrapdInstance | undefined;
afterAll(() => trapd?.stop());

const send = (session: SnmpSession, method: "trap" | "inform", varbinds: SnmpVarbind[]) =>
  new Promise<void>((resolve, reject) =>
    session[method](trapOid, varbinds, (err) => {
      session.close();
      if (err) reject(err);
      else resolve();
    }),
  );

it("receives v2c traps, v3 authPriv traps and acknowledges informs", async () => {
  const t = await startSnmptrapd({ community: "rpo-ci", v3Users: [{ ...v3User, engineId }] });
  trapd = t;
  const v2 = () => snmp.createSession("127.0.0.1", "rpo-ci", { trapPort: t.port, version: snmp.Version2c });

  await send(v2(), "trap", [
    { oid: "1.3.6.1.4.1.99999.1.1", type: snmp.ObjectType.OctetString, value: 'cg "finance"' },
    { oid: "1.3.6.1.4.1.99999.1.2", type: snmp.ObjectType.Counter64, value: counter64(1234567890123n) },
    { oid: "1.3.6.1.4.1.99999.1.3", type: snmp.ObjectType.Integer, value: -5 },
  ]);
  const v2trap = await t.waitForTrap((x) => x.pduType === "TRAP2" && x.community === "rpo-ci", 10_000);
  expect(v2trap.version).toBe("2c");
  expect(v2trap.varbinds[0]).toMatchObject({ oid: "1.3.6.1.2.1.1.3.0", type: "Timeticks" });
  expect(v2trap.varbinds.slice(1)).toEqual([
    { oid: "1.3.6.1.6.3.1.1.4.1.0", type: "OID", value: trapOid },
    { oid: "1.3.6.1.4.1.99999.1.1", type: "STRING", value: 'cg "finance"' },
    { oid: "1.3.6.1.4.1.99999.1.2", type: "Counter64", value: "1234567890123" },
    { oid: "1.3.6.1.4.1.99999.1.3", type: "INTEGER", value: "-5" },
  ]);

  // The inform callback succeeds only once snmptrapd has sent its acknowledgement.
  await send(v2(), "inform", [{ oid: "1.3.6.1.4.1.99999.1.4", type: snmp.ObjectType.Gauge32, value: 7 }]);
  const inform = await t.waitForTrap((x) => x.pduType === "INFORM", 10_000);
  expect(inform.varbinds.at(-1)).toEqual({ oid: "1.3.6.1.4.1.99999.1.4", type: "Gauge32", value: "7" });

  const v3user = shaAesUser(v3User.user, v3User.authKey, v3User.privKey);
  const v3 = snmp.createV3Session("127.0.0.1", v3user, {
    trapPort: t.port,
    version: snmp.Version3,
    engineID: engineId,
  });
  await send(v3, "trap", [{ oid: "1.3.6.1.4.1.99999.1.5", type: snmp.ObjectType.OctetString, value: "v3" }]);
  const v3trap = await t.waitForTrap((x) => x.version === "3", 10_000);
  expect(v3trap.user).toBe("rpowatch");
  expect(v3trap.varbinds.at(-1)).toEqual({ oid: "1.3.6.1.4.1.99999.1.5", type: "STRING", value: "v3" });

  await t.stop();
  expect(await isPortFree(t.port, "udp")).toBe(true);
});
