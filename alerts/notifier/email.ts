/**
 * E-mail channel: SMTP with STARTTLS and authentication through nodemailer; one message per
 * webhook call to the NOC plus the tenant's recipients, for the configured severities only
 * (default critical and warning: info stays on the board). Resolved notices of those alerts are sent.
 * The same server also carries other mail the stack sends (scheduled reports, with attachments).
 */
import { readFileSync } from "node:fs";
import { createTransport, type Transporter } from "nodemailer";
import type { Severity } from "../../model/entities.ts";
import type { DeliveryContext } from "./deliver.ts";
import { deliver } from "./deliver.ts";
import { renderMail } from "./email-render.ts";
import type { Notification, NotifierChannel } from "./webhook.ts";

export interface EmailSettings {
  host: string;
  port: number;
  starttls: boolean;
  auth?: { user: string; password: string };
  caFile?: string;
  /** Accept any server certificate (test sinks with self-signed certificates only). */
  insecureSkipVerify?: boolean;
  from: string;
  to: readonly string[];
  severities: readonly Severity[];
  /** Extra recipients per tenant. */
  tenantRecipients: ReadonlyMap<string, readonly string[]>;
  /** Seconds to wait for the server at each step. */
  timeout?: number;
}

/** A message other than an alert: an HTML body with a text alternative, and files attached. */
export interface MailMessage {
  to: readonly string[];
  subject: string;
  text: string;
  html: string;
  attachments?: ReadonlyArray<{ filename: string; path: string; contentType: string }>;
}

export class EmailChannel implements NotifierChannel {
  readonly name = "email";
  private readonly transport: Transporter;
  private readonly destination: string;

  constructor(
    private readonly settings: EmailSettings,
    private readonly ctx: DeliveryContext,
  ) {
    const ms = (settings.timeout ?? 10) * 1000;
    this.transport = createTransport({
      host: settings.host,
      port: settings.port,
      secure: false,
      requireTLS: settings.starttls,
      ignoreTLS: !settings.starttls,
      auth: settings.auth ? { user: settings.auth.user, pass: settings.auth.password } : undefined,
      tls: {
        ...(settings.caFile && { ca: readFileSync(settings.caFile) }),
        rejectUnauthorized: !settings.insecureSkipVerify,
      },
      connectionTimeout: ms,
      greetingTimeout: ms,
      socketTimeout: ms,
    });
    this.destination = `${settings.host}:${settings.port}`;
    ctx.stats.declare(this.name, this.destination);
  }

  async send(notification: Notification): Promise<void> {
    const { payload, routeTenant } = notification;
    const alerts = payload.alerts.filter((a) => this.settings.severities.includes(a.labels.severity as Severity));
    if (alerts.length === 0) return;
    const tenant = routeTenant ?? payload.commonLabels.tenant;
    const to = [
      ...new Set([...this.settings.to, ...(tenant ? (this.settings.tenantRecipients.get(tenant) ?? []) : [])]),
    ];
    const mail = renderMail(alerts, payload);
    await deliver(this.ctx, this.name, this.destination, async () => {
      await this.transport.sendMail({ from: this.settings.from, to, ...mail });
    });
  }

  /** Sends one message with the channel's retries, counted like an alert mail; rejects with the last error if it was not sent. */
  async sendMessage(message: MailMessage): Promise<void> {
    let lastError: unknown;
    const sent = await deliver(this.ctx, this.name, this.destination, async () => {
      try {
        await this.transport.sendMail({
          from: this.settings.from,
          to: [...message.to],
          subject: message.subject,
          text: message.text,
          html: message.html,
          attachments: (message.attachments ?? []).map((a) => ({ ...a })),
        });
      } catch (err) {
        lastError = err;
        throw err;
      }
    });
    if (!sent) throw lastError;
  }

  close(): void {
    this.transport.close();
  }
}
