// Sending email: real SMTP through nodemailer when SMTP_URL is set (smtp://user:pass@host:587,
// smtps:// for implicit TLS), otherwise the message is written to the log. Every message has a
// Message-ID made from its outbox id, so a message delivered twice (at-least-once) is one
// message to the receiving mail system.
import nodemailer from "nodemailer";

export interface Attachment {
  filename: string;
  content: Uint8Array;
  contentType: string;
}

export interface Email {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The dedupe key: the outbox message id. */
  outboxId: string;
  attachments?: Attachment[];
}

export interface Mailer {
  send(email: Email): Promise<void>;
  close(): void;
}

interface Transport {
  sendMail(message: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

/** The sender address (MAIL_FROM, default "Mutambo <tickets@mutambo.africa>"). */
export function mailFrom(): string {
  return Deno.env.get("MAIL_FROM") ?? "Mutambo <tickets@mutambo.africa>";
}

/** `<outbox-<id>@<domain of the sender>>`. */
export function messageId(outboxId: string, from = mailFrom()): string {
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? "mutambo.africa";
  return `<outbox-${outboxId}@${domain}>`;
}

export function smtpMailer(url: string, from = mailFrom()): Mailer {
  const transport = (nodemailer as { createTransport(url: string): Transport }).createTransport(
    url,
  );
  return {
    async send(email) {
      await transport.sendMail({
        from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: messageId(email.outboxId, from),
        attachments: (email.attachments ?? []).map((a) => ({
          filename: a.filename,
          content: a.content,
          contentType: a.contentType,
        })),
      });
    },
    close: () => transport.close(),
  };
}

export function logMailer(): Mailer {
  return {
    send(email) {
      const files = (email.attachments ?? []).map((a) => ` [${a.filename}]`).join("");
      console.log(`[email] to ${email.to}: ${email.subject}${files}\n${email.text}`);
      return Promise.resolve();
    },
    close() {},
  };
}

/** SMTP when SMTP_URL is set, else the log. */
export function mailerFromEnv(): Mailer {
  const url = Deno.env.get("SMTP_URL");
  return url ? smtpMailer(url) : logMailer();
}
