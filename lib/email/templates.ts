// Email templates: each returns a subject, plain text and simple HTML. Every value that comes
// from data is escaped in the HTML; links are absolute.

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** The order code as people read it: ABCD-EFGH. */
export function displayCode(code: string): string {
  return code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}

export function money(minor: number, currency: string): string {
  return `${currency} ${(minor / 100).toFixed(2)}`;
}

/** Paragraphs of text (and one optional button link) as text and HTML. */
function compose(
  subject: string,
  paragraphs: string[],
  link?: { label: string; href: string },
): Rendered {
  const text = [
    ...paragraphs.flatMap((p) => [p, ""]),
    ...(link ? [`${link.label}: ${link.href}`, ""] : []),
    "— Mutambo",
  ].join("\n");
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5;color:#0f172a">',
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    link
      ? `<p><a href="${escapeHtml(link.href)}" style="display:inline-block;background:#0f172a;` +
        `color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${
          escapeHtml(link.label)
        }</a></p>`
      : "",
    '<p style="color:#64748b">— Mutambo</p></body></html>',
  ].join("\n");
  return { subject, text, html };
}

export function orderConfirmation(o: { code: string; link: string; eventName?: string }): Rendered {
  const code = displayCode(o.code);
  return compose(`Your tickets — order ${code}`, [
    "Thank you for your order.",
    `Order: ${code}${o.eventName ? ` · ${o.eventName}` : ""}`,
    "Your tickets are attached as a PDF. Keep the link below private: it opens your tickets.",
    "Show the QR code on your phone at the gate, or print the PDF.",
  ], { label: "Your tickets", href: o.link });
}

export function orderReminder(
  o: { code: string; link: string; eventName: string; when: string },
): Rendered {
  return compose(`Tomorrow: ${o.eventName}`, [
    `${o.eventName} is on ${o.when}.`,
    `Order: ${displayCode(o.code)}. Have your tickets ready at the gate.`,
  ], { label: "Your tickets", href: o.link });
}

export function refundIssued(o: { code: string; amountMinor: number; currency: string }): Rendered {
  return compose(`Refund for order ${displayCode(o.code)}`, [
    `We have refunded ${money(o.amountMinor, o.currency)} for order ${displayCode(o.code)}.`,
    "Depending on your bank or mobile money provider it can take a few days to show. Refunded tickets no longer admit.",
  ]);
}

/** A payment that could not be applied (order lapsed and its places taken, or paid already). */
export function paymentNotApplied(
  o: {
    code: string;
    amountMinor: number;
    currency: string;
    orderPaid: boolean;
    eventName?: string;
  },
): Rendered {
  const code = displayCode(o.code);
  const amount = money(o.amountMinor, o.currency);
  return compose(`Your payment for order ${code} is being refunded`, [
    o.orderPaid
      ? `Order ${code}${
        o.eventName ? ` (${o.eventName})` : ""
      } was already paid, so your second payment of ${amount} could not be used.`
      : `Your payment of ${amount} for order ${code}${
        o.eventName ? ` (${o.eventName})` : ""
      } arrived after the order's time to pay ran out, and its places had been sold to someone else. No tickets were issued.`,
    `We are refunding the ${amount} automatically; you will receive another email when the refund is made.`,
  ]);
}

export function eventCancelled(o: { code: string; eventName?: string }): Rendered {
  return compose(`Cancelled: ${o.eventName ?? "your event"}`, [
    `${o.eventName ?? "The event"} of order ${displayCode(o.code)} has been cancelled.`,
    "Paid orders are refunded automatically; you will receive a separate email when the refund is made.",
  ]);
}

export function eventChanged(
  o: { code: string; link: string | null; eventName: string; when: string; before: string },
): Rendered {
  return compose(`Changed: ${o.eventName}`, [
    `${o.eventName} has moved from ${o.before} to ${o.when}.`,
    `Your tickets for order ${
      displayCode(o.code)
    } stay valid. If you cannot attend, contact the organiser.`,
  ], o.link ? { label: "Your tickets", href: o.link } : undefined);
}

export function passwordReset(o: { name: string; link: string }): Rendered {
  return compose("Reset your Mutambo password", [
    `Hello ${o.name},`,
    "Someone (hopefully you) asked to reset your password. The link works for one hour. If it was not you, ignore this email.",
  ], { label: "Choose a new password", href: o.link });
}

export function invite(
  o: { name: string; link: string; orgName: string; role: string; invitedBy: string | null },
): Rendered {
  return compose(`You are invited to ${o.orgName} on Mutambo`, [
    `Hello ${o.name},`,
    `${o.invitedBy ?? "A colleague"} invited you to ${o.orgName} as ${
      o.role.replace(/_/g, " ")
    }. Choose a password to sign in.`,
  ], { label: "Accept the invitation", href: o.link });
}
