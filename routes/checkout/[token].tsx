// The buyer's held selection: what is held, for how long, keep it longer or let it go.
// The hold opens only in the browser session that made it, and only with its token.
import { type Handlers, Head, page, type PageProps } from "../../lib/fresh/mod.ts";
import { ApiError, rpc } from "../../lib/rest/mod.ts";
import { formatDateTime, formatMoney } from "../../lib/format.ts";
import { checkCsrf, CSRF_FIELD, csrfRefusal, csrfToken } from "../../lib/csrf.ts";
import { type BuyerState, holdsCookie, type OwnedHold, ownedHolds } from "../../lib/session.ts";
import { refusal } from "../e/(_lib)/event.ts";
import Countdown from "../../islands/Countdown.tsx";
import { type Quote, QuoteLines } from "../../components/QuoteLines.tsx";
import { storeOrderLink } from "../../lib/payments/service.ts";
import {
  holdPaymentChoices,
  missingDetail,
  type PaymentChoice,
  pick,
  startChosenPayment,
} from "../../lib/payments/checkout.ts";

interface HoldLine {
  kind: string;
  quantity: number;
  ticket_type: string | null;
  section: string | null;
  zone: string | null;
  price_minor: number | null;
  seats: { id: number; row: string; number: string; label: string; attributes: string[] }[] | null;
}

interface Hold {
  token: string;
  event: { name: string; slug: string; currency: string; starts_at: string };
  expires_at: string;
  seconds_left: number;
  extended: boolean;
  can_extend: boolean;
  items: HoldLine[];
}

/** What the buyer typed, kept when the page is shown again with a message. */
type Fields = Record<string, string>;

type CheckoutData =
  | {
    state: "held";
    hold: Hold;
    csrf: string;
    error: string | null;
    quote: Quote | null;
    promo: string | null;
    promoError: string | null;
    fields: Fields;
    /** How the buyer may pay (from SQL: providers of the org for the currency, then cash). */
    choices: PaymentChoice[];
  }
  | { state: "expired"; slug: string | null; holdMinutes: number | null }
  | { state: "unknown" };

const noStore = { "cache-control": "private, no-store" };

/** This session's record of the hold in the URL, or null when it is not this session's. */
async function ownHold(ctx: { req: Request; params: Record<string, string>; state: BuyerState }) {
  const token = ctx.params.token ?? "";
  const owned = await ownedHolds(ctx.req, ctx.state.sessionId);
  return { token, owned, mine: owned.find((h) => h.token === token) ?? null };
}

/** The page for a hold that is gone: expired (or cleaned up after expiry) or never ours. */
async function gone(mine: OwnedHold | null, status: number) {
  if (!mine) return page<CheckoutData>({ state: "unknown" }, { status: 404, headers: noStore });
  const minutes = await rpc<{ hold_minutes: number }>("event_by_slug", { slug: mine.slug })
    .then((e) => e.hold_minutes, () => null);
  return page<CheckoutData>(
    { state: "expired", slug: mine.slug, holdMinutes: minutes },
    { status, headers: noStore },
  );
}

/** The quote with the promo code, or without it and the reason the code was refused. */
async function quoteWith(token: string, promo: string | null) {
  if (promo) {
    try {
      const quote = await rpc<Quote>("quote_hold", { hold_token: token, promo_code: promo });
      return { quote, promoError: null };
    } catch (e) {
      if (!(e instanceof ApiError) || e.status >= 500 || e.status === 410) throw e;
      const quote = await rpc<Quote>("quote_hold", { hold_token: token, promo_code: null });
      return { quote, promoError: e.message };
    }
  }
  return {
    quote: await rpc<Quote>("quote_hold", { hold_token: token, promo_code: null }),
    promoError: null,
  };
}

async function showHold(
  ctx: { req: Request; url: URL; params: Record<string, string>; state: BuyerState },
  error: { message: string; status: number } | null = null,
  fields: Fields = {},
) {
  const { token, mine } = await ownHold(ctx);
  if (!mine) return gone(null, 404);
  try {
    const hold = await rpc<Hold>("get_hold", {
      hold_token: token,
      session_id: ctx.state.sessionId,
    });
    const promo = (fields.promo ?? ctx.url.searchParams.get("promo") ?? "").trim() || null;
    const { quote, promoError } = await quoteWith(token, promo);
    const choices = await holdPaymentChoices(token);
    return page<CheckoutData>(
      {
        state: "held",
        hold,
        csrf: await csrfToken(ctx.state.sessionId),
        error: error?.message ?? null,
        quote,
        promo: promoError ? null : promo,
        promoError: promoError ? `${promoError}. The price below is without it.` : null,
        fields,
        choices,
      },
      { status: error?.status ?? (promoError ? 422 : 200), headers: noStore },
    );
  } catch (e) {
    if (e instanceof ApiError && (e.status === 410 || e.status === 404)) return gone(mine, 410);
    throw e;
  }
}

export const handler: Handlers<CheckoutData, BuyerState> = {
  GET: (ctx) => showHold(ctx),

  async POST(ctx) {
    const form = await ctx.req.formData().catch(() => new FormData());
    if (!(await checkCsrf(form, ctx.state.sessionId))) return csrfRefusal();
    const { token, owned, mine } = await ownHold(ctx);
    if (!mine) return gone(null, 404);
    const action = form.get("action");
    try {
      if (action === "extend") {
        await rpc("extend_hold", { hold_token: token, session_id: ctx.state.sessionId });
        return ctx.redirect(`/checkout/${token}`);
      }
      if (action === "release") {
        await rpc("release_hold", { hold_token: token, session_id: ctx.state.sessionId });
        ctx.state.setCookies.push(
          await holdsCookie(owned.filter((h) => h.token !== token), ctx.state),
        );
        return ctx.redirect(`/e/${mine.slug}?released=1`);
      }
      if (action === "pay") return await pay(ctx, form, token);
      return showHold(ctx, { message: "Choose “Keep my seats longer” or “Release”", status: 400 });
    } catch (e) {
      if (e instanceof ApiError && (e.status === 410 || e.status === 404)) return gone(mine, 410);
      return showHold(ctx, refusal(e), action === "pay" ? formFields(form) : {});
    }
  },
};

function formFields(form: FormData): Fields {
  const fields: Fields = {};
  for (const [name, value] of form) {
    if (typeof value === "string" && name !== CSRF_FIELD) fields[name] = value.slice(0, 200);
  }
  return fields;
}

interface CreatedOrder {
  id: string;
  code: string;
  access_token: string;
  total_minor: number;
  currency: string;
  buyer_email: string | null;
  buyer_phone: string | null;
  event: { name: string };
}

/** Pay: the order from the hold, then the provider's page (or the order page for cash). */
async function pay(
  ctx: {
    req: Request;
    url: URL;
    params: Record<string, string>;
    state: BuyerState;
    redirect(location: string, status?: number): Response;
  },
  form: FormData,
  token: string,
) {
  const fields = formFields(form);
  let chosen: PaymentChoice;
  try {
    chosen = pick(await holdPaymentChoices(token), fields.method ?? "");
  } catch (e) {
    return await showHold(ctx, { message: (e as Error).message, status: 400 }, fields);
  }
  const missing = missingDetail(chosen, {
    email: fields.email?.trim() || null,
    phone: fields.phone?.trim() || null,
  });
  if (missing) return await showHold(ctx, { message: missing, status: 400 }, fields);
  const attendees = Object.keys(fields).filter((k) => /^attendee_\d+$/.test(k))
    .sort((a, b) => Number(a.slice(9)) - Number(b.slice(9)))
    .map((k) => fields[k]!.trim() || null);
  const order = await rpc<CreatedOrder>("create_order", {
    hold_token: token,
    buyer_email: fields.email?.trim() || null,
    buyer_phone: fields.phone?.trim() || null,
    buyer_name: fields.buyer_name?.trim() || null,
    attendees: attendees.length ? attendees : null,
    promo_code: fields.promo?.trim() || null,
    channel: null,
  });
  const orderPath = `/o/${order.code}?k=${encodeURIComponent(order.access_token)}`;
  await storeOrderLink(order.id, orderPath);
  if (chosen.choice === "cash") {
    await rpc("choose_pay_at_box_office", { code: order.code, access_token: order.access_token });
    return ctx.redirect(orderPath);
  }
  try {
    const next = await startChosenPayment(order, chosen, {
      accessToken: order.access_token,
      origin: ctx.url.origin,
    });
    return ctx.redirect(next);
  } catch (e) {
    console.error(`starting a ${chosen.provider} payment failed`, e);
    return ctx.redirect(
      `/checkout/return?o=${order.code}&k=${encodeURIComponent(order.access_token)}&start=failed`,
    );
  }
}

function lineTitle(line: HoldLine): string {
  if (line.kind === "addon") return line.ticket_type ?? "Extra";
  return [line.ticket_type, line.section].filter(Boolean).join(" · ") || "Tickets";
}

function seatText(seat: NonNullable<HoldLine["seats"]>[number]): string {
  const notes = seat.attributes.filter((a) => a === "accessible" || a === "restricted_view")
    .map((a) => a === "accessible" ? "accessible" : "restricted view");
  return `Row ${seat.row} seat ${seat.number}${notes.length ? ` (${notes.join(", ")})` : ""}`;
}

function Gone({ data }: { data: Exclude<CheckoutData, { state: "held" }> }) {
  const expired = data.state === "expired";
  return (
    <main class="max-w-3xl mx-auto px-4 py-12 text-center">
      <Head>
        <title>{expired ? "Your hold has ended" : "Hold not found"} — Mutambo</title>
      </Head>
      <h1 class="text-2xl font-extrabold">
        {expired
          ? `Your seats were released after ${data.holdMinutes ?? 10} minutes`
          : "We could not find that selection"}
      </h1>
      <p class="mt-2 text-slate-600">
        {expired
          ? "Held places go back on sale when the time is up, so others can buy them. Start again — it only takes a moment."
          : "It may have ended, or it was made in another browser. Held selections open only on the device that made them."}
      </p>
      <a
        href={expired && data.slug ? `/e/${data.slug}` : "/"}
        class="inline-block mt-6 rounded-md bg-slate-900 text-white px-4 py-2 font-semibold"
      >
        {expired ? "Start again" : "See upcoming events"}
      </a>
    </main>
  );
}

export default function Checkout({ data }: PageProps<CheckoutData>) {
  if (data.state !== "held") return <Gone data={data} />;
  const { hold, csrf } = data;
  const money = (minor: number) => formatMoney(minor, hold.event.currency);
  const priced = hold.items.every((i) => i.price_minor !== null);
  const total = hold.items.reduce((sum, i) => sum + (i.price_minor ?? 0) * i.quantity, 0);
  const until = formatDateTime(hold.expires_at).slice(-5);
  const button = "w-full rounded-md px-4 py-2.5 font-semibold";
  return (
    <main class="max-w-3xl mx-auto px-4 pb-8">
      <Head>
        <title>Your selection — {hold.event.name} — Mutambo</title>
        <meta name="robots" content="noindex" />
      </Head>
      <p class="pt-6 text-xs font-semibold uppercase tracking-wide text-slate-500">
        Your selection
      </p>
      <h1 class="text-2xl sm:text-3xl font-extrabold tracking-tight">{hold.event.name}</h1>
      <p class="text-slate-700">
        <time datetime={hold.event.starts_at}>{formatDateTime(hold.event.starts_at)}</time>
      </p>
      <p class="mt-4 rounded-xl bg-amber-100 border border-amber-300 px-4 py-3 text-amber-950">
        Held for you until <time datetime={hold.expires_at}>{until}</time> ·{" "}
        <Countdown secondsLeft={hold.seconds_left} reloadHref={`/checkout/${hold.token}`} />
      </p>
      {data.error && (
        <p
          role="alert"
          class="mt-4 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-red-800"
        >
          {data.error}
        </p>
      )}
      <ul class="mt-4 divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white">
        {hold.items.map((line) => (
          <li class="p-4">
            <div class="flex justify-between gap-4">
              <div>
                <h2 class="font-semibold">{lineTitle(line)}</h2>
                <p class="text-sm text-slate-600">
                  {line.quantity} ×{" "}
                  {line.price_minor !== null ? money(line.price_minor) : "price shown at payment"}
                  {line.zone && line.zone !== line.section && ` · ${line.zone}`}
                </p>
              </div>
              {line.price_minor !== null && (
                <p class="font-semibold whitespace-nowrap">
                  {money(line.price_minor * line.quantity)}
                </p>
              )}
            </div>
            {line.seats && (
              <ul class="mt-2 flex flex-wrap gap-1.5 text-sm">
                {line.seats.map((seat) => (
                  <li class="rounded bg-slate-100 px-2 py-0.5">{seatText(seat)}</li>
                ))}
              </ul>
            )}
          </li>
        ))}
        {priced && (
          <li class="p-4 flex justify-between font-bold">
            <span>Tickets</span>
            <span>{money(total)}</span>
          </li>
        )}
      </ul>
      <div class="mt-4 grid gap-2 sm:grid-cols-2">
        {hold.can_extend && (
          <form method="post">
            <input type="hidden" name={CSRF_FIELD} value={csrf} />
            <button
              type="submit"
              name="action"
              value="extend"
              class={`${button} bg-slate-900 text-white`}
            >
              Keep my seats longer
            </button>
          </form>
        )}
        <form method="post">
          <input type="hidden" name={CSRF_FIELD} value={csrf} />
          <button
            type="submit"
            name="action"
            value="release"
            class={`${button} border border-slate-300 bg-white text-slate-800`}
          >
            Release
          </button>
        </form>
      </div>
      {hold.extended && (
        <p class="mt-2 text-sm text-slate-600">You have already kept these seats longer once.</p>
      )}
      {data.quote && <PayForm data={data} />}
    </main>
  );
}

function ticketLabel(t: Quote["tickets"][number], i: number): string {
  const what = [t.ticket_type, t.section, t.label].filter(Boolean).join(", ");
  return `Ticket ${i + 1}${what ? ` — ${what}` : ""}`;
}

const input = "mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-base";
const label = "block text-sm font-semibold text-slate-800";

/** The price with reasons, the promo code, who the tickets are for, and how to pay. */
function PayForm({ data }: { data: Extract<CheckoutData, { state: "held" }> }) {
  const quote = data.quote!;
  const f = data.fields;
  const admissions = quote.tickets.filter((t) => t.kind === "admission");
  const choices = data.choices;
  const method = f.method ??
    (choices.find((c) => c.choice === "card") ?? choices[0])?.choice ?? "";
  return (
    <>
      <section class="mt-8" aria-labelledby="price-heading">
        <h2 id="price-heading" class="text-xl font-bold">Price</h2>
        <div class="mt-2 rounded-xl border border-slate-200 bg-white p-4">
          <QuoteLines quote={quote} />
        </div>
        <form method="get" class="mt-3 flex items-end gap-2">
          <div class="flex-1">
            <label for="promo" class={label}>Promo code</label>
            <input
              id="promo"
              name="promo"
              class={`${input} uppercase`}
              value={data.promo ?? f.promo ?? ""}
              autocomplete="off"
              maxLength={40}
            />
          </div>
          <button
            type="submit"
            class="rounded-md border border-slate-400 bg-white px-4 py-2 font-semibold"
          >
            Apply
          </button>
        </form>
        {data.promo && !data.promoError && (
          <p class="mt-1 text-sm text-green-800">Promo code {data.promo.toUpperCase()} applied.</p>
        )}
        {data.promoError && (
          <p
            role="alert"
            class="mt-2 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800"
          >
            {data.promoError}
          </p>
        )}
      </section>
      <form method="post" class="mt-8 space-y-6" aria-labelledby="details-heading">
        <input type="hidden" name={CSRF_FIELD} value={data.csrf} />
        <input type="hidden" name="promo" value={data.promo ?? ""} />
        <section>
          <h2 id="details-heading" class="text-xl font-bold">Your details</h2>
          <p class="text-sm text-slate-600">We send the tickets to your email or phone.</p>
          <div class="mt-3 space-y-3">
            <div>
              <label for="buyer_name" class={label}>Your name</label>
              <input
                id="buyer_name"
                name="buyer_name"
                class={input}
                autocomplete="name"
                value={f.buyer_name ?? ""}
                maxLength={120}
              />
            </div>
            <div>
              <label for="email" class={label}>Email</label>
              <input
                id="email"
                name="email"
                type="email"
                class={input}
                autocomplete="email"
                value={f.email ?? ""}
              />
            </div>
            <div>
              <label for="phone" class={label}>Phone (for mobile money and SMS)</label>
              <input
                id="phone"
                name="phone"
                type="tel"
                class={input}
                autocomplete="tel"
                placeholder="+263 77 123 4567"
                value={f.phone ?? ""}
              />
            </div>
          </div>
        </section>
        {admissions.length > 0 && (
          <fieldset>
            <legend class="text-xl font-bold">Name on each ticket</legend>
            <p class="text-sm text-slate-600">Optional: the name printed on the ticket.</p>
            <div class="mt-3 space-y-3">
              {admissions.map((t, i) => (
                <div>
                  <label for={`attendee_${i}`} class={label}>{ticketLabel(t, i)}</label>
                  <input
                    id={`attendee_${i}`}
                    name={`attendee_${i}`}
                    class={input}
                    value={f[`attendee_${i}`] ?? ""}
                    maxLength={120}
                  />
                </div>
              ))}
            </div>
          </fieldset>
        )}
        <fieldset>
          <legend class="text-xl font-bold">Payment method</legend>
          <div class="mt-3 space-y-2">
            {choices.map((c) => (
              <label class="flex gap-3 rounded-lg border border-slate-300 bg-white p-3">
                <input
                  type="radio"
                  name="method"
                  value={c.choice}
                  checked={method === c.choice}
                  class="mt-1 h-5 w-5 shrink-0"
                />
                <span>
                  <span class="block font-semibold">{c.label}</span>
                  <span class="block text-sm text-slate-600">{c.note}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <button
          type="submit"
          name="action"
          value="pay"
          class="w-full rounded-md bg-emerald-700 px-4 py-3 text-lg font-bold text-white"
        >
          Pay {formatMoney(quote.total_minor, quote.currency)}
        </button>
      </form>
    </>
  );
}
