import { afterAll, expect, it } from "vitest";
import { isPortFree } from "../support/net.ts";
import { type SnmpSession, type SnmpVarbind, shaAesUser, snmp } from "../support/net-snmp.ts";
import { type SnmpdInstance, startSnmpd } from "./snmpd.ts";

const ifHCInOctets1 = "1.3.6.1.2.1.31.1.1.1.6.1";
const sysDescr = "1.3.6.1.2.1.1.1.0";

let snmpd: SnmpdInstance | undefined;
afterAll(() => snmpd?.stop());

const get = (session: SnmpSession, oids: string[]) =>
  new Promise<SnmpVarbind[]>((resolve, reject) =>
    session.get(oids, (err, varbinds) => {
      session.close();
      if (err) reject(err);
      else resolve(varbinds);
    }),
  );

it("serves IF-MIB counters over v2c and v3 authPriv and releases its port on stop", async () => {
  const s = await startSnmpd({
    community: "rpo-ro",
    v3User: {
      user: "poller",
      authProtocol: "SHA",
      authKey: "auth-secret-2",
      privProtocol: "AES",
      privKey: "priv-secret-2",
    },
  });
  snmpd = s;
  const v2 = snmp.createSession(s.host, "rpo-ro", { port: s.port, version: snmp.Version2c });
  const [counter] = await get(v2, [ifHCInOctets1]);
  expect(counter).toMatchObject({ oid: ifHCInOctets1, type: snmp.ObjectType.Counter64 });

  const v3user = shaAesUser("poller", "auth-secret-2", "priv-secret-2");
  const [descr] = await get(snmp.createV3Session(s.host, v3user, { port: s.port, version: snmp.Version3 }), [sysDescr]);
  expect(String(descr!.value)).toMatch(/Linux/);

  await s.stop();
  expect(await isPortFree(s.port, "udp")).toBe(true);
});
