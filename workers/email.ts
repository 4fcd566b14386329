// Email handlers for the outbox worker: one per topic, rendering lib/email/templates.ts and
// sending through a Mailer (SMTP when SMTP_URL is set, else the log). The outbox id is the
// Message-ID, so a message sent twice after a crash is recognisable as one. Buyers who gave
// only a phone number get their ticket link and reminder by SMS (lib/sms) instead.
import { type Attachment, type Mailer, mailerFromEnv } from "../lib/email/mailer.ts";
import * as t from "../lib/email/templates.ts";
import { formatDateTime } from "../lib/format.ts";
import { unseal } from "../lib/payments/service.ts";
import { type SmsSender, smsSender } from "../lib/sms/mod.ts";
import type { HandlerContext, OutboxHandler, OutboxMessage } from "./outbox.ts";

export const EMAIL_TOPICS = [
  "orders__send_confirmation",
  "orders__resend_tickets",
  "orders__send_reminder",
  "orders__send_event_cancelled",
  "orders__send_event_changed",
  "refunds__send_email",
  "payments__send_unapplied_notice",
  "users__send_password_reset",
  "users__send_invite",
] as const;

export interface EmailOptions {
  mailer?: Mailer;
  /** The tickets PDF for an order link (default: GET <link>/pdf from the origin). */
  ticketsPdf?: (link: URL) => Promise<Uint8Array | null>;
  /** For buyers without an email address (default: SMS_GATEWAY_URL's gateway, else the log). */
  sms?: SmsSender;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

async function orderLink(m: OutboxMessage, origin: string): Promise<URL> {
  if (!m.order_link) throw new Error(`Order "${str(m.payload.code)}" has no stored link`);
  return new URL(await unseal(m.order_link), origin);
}

/** The order's PDF from its own page: /o/<code>/pdf?k=… (null when it has no valid tickets). */
async function fetchPdf(link: URL): Promise<Uint8Array | null> {
  const url = new URL(link);
  url.pathname = `${url.pathname.replace(/\/$/, "")}/pdf`;
  const r = await fetch(url);
  if (r.status === 409) {
    await r.body?.cancel();
    return null;
  }
  if (!r.ok) {
    await r.body?.cancel();
    throw new Error(`Tickets PDF answered ${r.status}`);
  }
  return new Uint8Array(await r.arrayBuffer());
}

/** The handlers for every email topic, sharing one mailer. */
export function emailHandlers(options: EmailOptions = {}): Record<string, OutboxHandler> {
  const mailer = options.mailer ?? mailerFromEnv();
  const pdf = options.ticketsPdf ?? fetchPdf;
  let sms = options.sms;
  // Phone-only buyers: a short text with the link; the outbox id dedupes at the gateway.
  const text = async (m: OutboxMessage, message: string) => {
    const phone = str(m.payload.phone);
    if (!phone) return; // neither email nor phone: nothing to send
    sms ??= smsSender();
    await sms.send({ to: phone, message, reference: m.id });
  };
  const send = async (
    m: OutboxMessage,
    rendered: t.Rendered,
    attachments: Attachment[] = [],
  ) => {
    const to = str(m.payload.email);
    if (!to) return; // phone only: nothing to send by email
    await mailer.send({ ...rendered, to, outboxId: m.id, attachments });
  };
  const tickets = async (m: OutboxMessage, ctx: HandlerContext) => {
    const link = await orderLink(m, ctx.origin);
    const code = str(m.payload.code) ?? "";
    if (!str(m.payload.email)) {
      return await text(m, `Mutambo: your tickets for order ${code} are at ${link}`);
    }
    const file = await pdf(link);
    await send(
      m,
      t.orderConfirmation({ code, link: link.toString() }),
      file
        ? [{ filename: `mutambo-${code}.pdf`, content: file, contentType: "application/pdf" }]
        : [],
    );
  };
  const when = (m: OutboxMessage) =>
    str(m.payload.starts_at)
      ? formatDateTime(str(m.payload.starts_at)!, str(m.payload.timezone))
      : "the date on your ticket";
  return {
    orders__send_confirmation: tickets,
    orders__resend_tickets: tickets,
    orders__send_reminder: async (m, ctx) => {
      const link = await orderLink(m, ctx.origin);
      if (!str(m.payload.email)) {
        const name = str(m.payload.event_name) ?? "Your event";
        return await text(m, `Mutambo: ${name} is on ${when(m)}. Your tickets: ${link}`);
      }
      await send(
        m,
        t.orderReminder({
          code: str(m.payload.code) ?? "",
          link: link.toString(),
          eventName: str(m.payload.event_name) ?? "Your event",
          when: when(m),
        }),
      );
    },
    orders__send_event_cancelled: (m) =>
      send(
        m,
        t.eventCancelled({
          code: str(m.payload.code) ?? "",
          ...(str(m.payload.event_name) ? { eventName: str(m.payload.event_name)! } : {}),
        }),
      ),
    orders__send_event_changed: async (m, ctx) => {
      const link = m.order_link ? (await orderLink(m, ctx.origin)).toString() : null;
      const before = str(m.payload.before_starts_at);
      await send(
        m,
        t.eventChanged({
          code: str(m.payload.code) ?? "",
          link,
          eventName: str(m.payload.event_name) ?? "Your event",
          when: when(m),
          before: before ? formatDateTime(before, str(m.payload.timezone)) : "its old date",
        }),
      );
    },
    refunds__send_email: (m) =>
      send(
        m,
        t.refundIssued({
          code: str(m.payload.code) ?? "",
          amountMinor: Number(m.payload.amount_minor ?? 0),
          currency: str(m.payload.currency) ?? "",
        }),
      ),
    payments__send_unapplied_notice: async (m) => {
      const code = str(m.payload.code) ?? "";
      const amountMinor = Number(m.payload.amount_minor ?? 0);
      const currency = str(m.payload.currency) ?? "";
      if (!str(m.payload.email)) {
        return await text(
          m,
          `Mutambo: your payment of ${
            t.money(amountMinor, currency)
          } for order ${code} could not be used and is being refunded`,
        );
      }
      const eventName = str(m.payload.event_name);
      await send(
        m,
        t.paymentNotApplied({
          code,
          amountMinor,
          currency,
          orderPaid: m.payload.order_status === "paid",
          ...(eventName ? { eventName } : {}),
        }),
      );
    },
    users__send_password_reset: (m, ctx) =>
      send(
        m,
        t.passwordReset({
          name: str(m.payload.display_name) ?? "there",
          link: resetLink(ctx.origin, m),
        }),
      ),
    users__send_invite: (m, ctx) =>
      send(
        m,
        t.invite({
          name: str(m.payload.display_name) ?? "there",
          link: resetLink(ctx.origin, m),
          orgName: str(m.payload.org_name) ?? "an organisation",
          role: str(m.payload.role) ?? "member",
          invitedBy: str(m.payload.invited_by) ?? null,
        }),
      ),
  };
}

function resetLink(origin: string, m: OutboxMessage): string {
  const token = str(m.payload.token);
  if (!token) throw new Error(`Message ${m.id} has no token`);
  const url = new URL("/admin/password/reset", origin);
  url.searchParams.set("token", token);
  return url.toString();
}
