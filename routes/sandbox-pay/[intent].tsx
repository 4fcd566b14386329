// The sandbox provider's hosted payment page: a different party's page (its own look), where
// the buyer approves, declines or abandons. The decision goes back to the merchant twice: the
// buyer is redirected to the merchant's return URL, and a signed webhook is queued.
import { type Handlers, Head, HttpError, page, type PageProps } from "../../lib/fresh/mod.ts";
import { decide, getIntent, type Intent } from "../../lib/payments/sandbox_party.ts";
import { formatMoney } from "../../lib/format.ts";

export const config = { skipInheritedLayouts: true };

const noStore = { "cache-control": "no-store" };

export const handler: Handlers<Intent> = {
  async GET(ctx) {
    const intent = await getIntent(ctx.params.intent ?? "");
    if (!intent) throw new HttpError(404, "Unknown payment");
    return page(intent, { headers: noStore });
  },
  async POST(ctx) {
    const form = await ctx.req.formData().catch(() => new FormData());
    const choice = form.get("choice");
    if (choice !== "approve" && choice !== "decline" && choice !== "abandon") {
      return new Response("Choose approve, decline or abandon", { status: 400 });
    }
    const next = await decide(ctx.params.intent ?? "", choice);
    if (!next) throw new HttpError(404, "Unknown payment");
    return ctx.redirect(next);
  },
};

export default function SandboxPay({ data: intent }: PageProps<Intent>) {
  const decided = intent.status !== "requires_action";
  const mobile = intent.method === "mobile_money";
  return (
    <div class="min-h-screen bg-indigo-900 px-4 py-8 text-white">
      <Head>
        <title>SandboxPay — secure payment</title>
        <meta name="robots" content="noindex" />
      </Head>
      <main class="mx-auto max-w-md">
        <p class="text-center text-lg font-black tracking-widest text-indigo-200">
          SANDBOX<span class="text-amber-300">PAY</span>
        </p>
        <p class="mt-1 text-center text-xs text-indigo-300">
          Test payments only · no real money moves
        </p>
        <div class="mt-6 rounded-2xl bg-white p-6 text-slate-900 shadow-xl">
          <p class="text-sm text-slate-500">Pay Mutambo Tickets</p>
          <p class="mt-1 text-4xl font-black tabular-nums">
            {formatMoney(intent.amount_minor, intent.currency)}
          </p>
          <p class="mt-2 text-sm text-slate-600">{intent.description}</p>
          <p class="mt-1 text-xs text-slate-500">Reference {intent.reference} · {intent.id}</p>
          {decided
            ? (
              <p class="mt-6 rounded-md bg-slate-100 p-3 font-semibold">
                This payment is {intent.status === "succeeded"
                  ? "complete"
                  : intent.status === "failed"
                  ? "declined"
                  : "cancelled"}.{" "}
                <a class="text-indigo-700 underline" href={`${intent.return_url}`}>
                  Back to the shop
                </a>
              </p>
            )
            : (
              <form method="post" class="mt-6 space-y-3">
                <p class="rounded-md bg-indigo-50 p-3 text-sm text-indigo-900">
                  {mobile
                    ? "A payment request would be sent to your phone. In the sandbox, choose the outcome."
                    : "Test card 4242 4242 4242 4242. In the sandbox, choose the outcome."}
                </p>
                <button
                  type="submit"
                  name="choice"
                  value="approve"
                  class="w-full rounded-lg bg-indigo-700 px-4 py-3 text-lg font-bold text-white"
                >
                  Approve payment
                </button>
                <button
                  type="submit"
                  name="choice"
                  value="decline"
                  class="w-full rounded-lg border-2 border-red-600 px-4 py-3 font-bold text-red-700"
                >
                  Decline
                </button>
                <button
                  type="submit"
                  name="choice"
                  value="abandon"
                  class="w-full px-4 py-2 text-sm text-slate-600 underline"
                >
                  Cancel and return to the shop
                </button>
              </form>
            )}
        </div>
      </main>
    </div>
  );
}
