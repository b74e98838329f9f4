import { createTransport } from "nodemailer";
import { afterAll, expect, it } from "vitest";
import { isPortFree } from "../support/net.ts";
import { type SmtpSinkInstance, startSmtpSink } from "./smtp-sink.ts";

let sink: SmtpSinkInstance | undefined;
afterAll(() => sink?.stop());

it("receives a mail over STARTTLS with AUTH and releases its port on stop", async () => {
  const s = await startSmtpSink({ starttls: true, auth: { user: "alerts", password: "s3cret" } });
  sink = s;
  const transport = createTransport({
    host: s.host,
    port: s.port,
    secure: false,
    requireTLS: true,
    auth: { user: "alerts", pass: "s3cret" },
    tls: { rejectUnauthorized: false },
  });
  await transport.sendMail({
    from: "rpowatch@example.test",
    to: "noc@example.test",
    subject: "RPO breach: cg finance",
    text: "RPO 31.50 min exceeds 30 min",
    html: "<p>RPO <b>31.50 min</b></p>",
  });
  transport.close();

  const mail = await s.waitForMail((m) => m.subject.startsWith("RPO breach"), 10_000);
  expect(mail).toMatchObject({
    envelopeFrom: "rpowatch@example.test",
    envelopeTo: ["noc@example.test"],
    from: "rpowatch@example.test",
    to: ["noc@example.test"],
    tls: true,
    authUser: "alerts",
  });
  expect(mail.text?.trim()).toBe("RPO 31.50 min exceeds 30 min");
  expect(mail.html).toContain("<b>31.50 min</b>");
  expect(mail.headers["message-id"]).toBeTruthy();

  await s.stop();
  expect(await isPortFree(s.port)).toBe(true);
});
