// Dead letters (api.outbox_dead_letters): messages the workers gave up on, with a Retry button
// that asks for confirmation first (api.retry_outbox_message). Needs manage_integrations.
import { Head, page, type PageProps } from "../../lib/fresh/mod.ts";
import type { AdminState } from "../../lib/admin_session.ts";
import { formatDateTime } from "../../lib/format.ts";
import {
  btnPrimary,
  btnSecondary,
  card,
  Csrf,
  Flash,
  Notice,
  PageTitle,
  td,
  text,
  th,
  withFlash,
} from "../../components/admin/ui.tsx";
import { act, type AdminContext, call } from "./(_lib)/call.ts";

interface DeadLetter {
  id: number;
  org_id: string | null;
  topic: string;
  summary: Record<string, unknown>;
  attempts: number;
  last_error: string | null;
  created_at: string;
  dead_at: string;
}

const BACK = "/admin/outbox";

export const handler = {
  async GET(ctx: AdminContext<DeadLetter[]>) {
    if (!ctx.state.staff.permissions.manage_integrations) {
      return new Response("Your role may not see failed messages", { status: 403 });
    }
    return page(await call<DeadLetter[]>(ctx, "outbox_dead_letters"));
  },
  async POST(ctx: AdminContext<DeadLetter[]>) {
    const form = await ctx.req.formData();
    const id = text(form, "id");
    if (!/^\d{1,18}$/.test(id)) return ctx.redirect(withFlash(BACK, "error", `No message "${id}"`));
    if (text(form, "confirmed") !== "yes") return ctx.redirect(`${BACK}?confirm_retry=${id}`);
    return act(
      ctx,
      BACK,
      `Message ${id} is queued again`,
      () => call(ctx, "retry_outbox_message", { id: Number(id) }),
    );
  },
};

function describe(summary: Record<string, unknown>): string {
  return ["code", "email", "type", "phone", "amount_minor", "currency"]
    .filter((k) => summary[k] !== undefined && summary[k] !== null)
    .map((k) => `${k}: ${String(summary[k])}`)
    .join(" · ");
}

export default function Outbox({ data, state, url }: PageProps<DeadLetter[], AdminState>) {
  const csrf = state.staff.csrf;
  const retrying = data.find((m) => String(m.id) === url.searchParams.get("confirm_retry"));
  return (
    <>
      <Head>
        <title>Failed messages · Mutambo admin</title>
      </Head>
      <PageTitle title="Failed messages" />
      <Flash url={url} />
      <p class="mb-4 text-sm text-slate-600">
        Emails and webhooks that failed 8 times. They are kept here until you retry them; a retry
        may deliver a message a receiver already has (they deduplicate by message id).
      </p>
      {retrying && (
        <form method="post" class={`${card} mb-4 border-amber-400 bg-amber-50`}>
          <Csrf token={csrf} />
          <input type="hidden" name="id" value={String(retrying.id)} />
          <input type="hidden" name="confirmed" value="yes" />
          <p class="mb-3 font-medium">
            Send message {retrying.id} ({retrying.topic}) again?
          </p>
          <div class="flex gap-2">
            <button type="submit" class={btnPrimary}>Yes, retry</button>
            <a href={BACK} class={btnSecondary}>No, go back</a>
          </div>
        </form>
      )}
      {data.length === 0
        ? <Notice>No failed messages.</Notice>
        : (
          <div class={`${card} overflow-x-auto p-0`}>
            <table class="w-full min-w-[720px]">
              <thead class="border-b border-slate-200 bg-slate-50">
                <tr>
                  <th class={th}>Message</th>
                  <th class={th}>What</th>
                  <th class={th}>Last error</th>
                  <th class={th}>Failed</th>
                  <th class={th}></th>
                </tr>
              </thead>
              <tbody>
                {data.map((m) => (
                  <tr key={m.id} class="border-b border-slate-100" data-testid="dead-letter">
                    <td class={td}>
                      <div class="font-mono text-xs">#{m.id}</div>
                      <div class="font-medium">
                        {m.topic.replace("__", ": ").replace(/_/g, " ")}
                      </div>
                    </td>
                    <td class={td}>{describe(m.summary)}</td>
                    <td class={`${td} max-w-xs break-words text-red-800`}>{m.last_error}</td>
                    <td class={td}>
                      {formatDateTime(m.dead_at)}
                      <div class="text-xs text-slate-500">{m.attempts} tries</div>
                    </td>
                    <td class={td}>
                      <form method="post">
                        <Csrf token={csrf} />
                        <input type="hidden" name="id" value={String(m.id)} />
                        <button type="submit" class={btnSecondary}>Retry</button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </>
  );
}
