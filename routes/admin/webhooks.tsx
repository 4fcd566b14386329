// Webhook endpoints of the org (sql/280): list them, add one (its signing secret is shown this
// once, on the answer to the form, never in a URL), disable or rotate the secret after a
// confirmation step, send a test event, and read an endpoint's delivery log. Needs
// manage_integrations (core.role_permissions: owners and platform admins); the SQL checks it
// again on every call. A URL whose host is not on the public internet is refused before the
// SQL sees it (lib/webhooks/ssrf.ts; loopback only with MUTAMBO_WEBHOOKS_ALLOW_LOOPBACK=1).
import { Head, page, type PageProps } from "../../lib/fresh/mod.ts";
import { ApiError } from "../../lib/rest/mod.ts";
import type { AdminState } from "../../lib/admin_session.ts";
import { formatDateTime } from "../../lib/format.ts";
import { checkWebhookUrl } from "../../lib/webhooks/ssrf.ts";
import {
  btnDanger,
  btnPrimary,
  btnSecondary,
  card,
  Csrf,
  Field,
  Flash,
  input,
  Notice,
  PageTitle,
  td,
  text,
  th,
  withFlash,
} from "../../components/admin/ui.tsx";
import { act, type AdminContext, call } from "./(_lib)/call.ts";

const EVENTS = ["order.paid", "order.refunded", "ticket.checked_in"] as const;
const BACK = "/admin/webhooks";

interface Endpoint {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  secret_hint: string;
  created_at: string;
  disabled_at: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
}

interface Delivery {
  id: number;
  event_id: string;
  event_type: string;
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  at: string;
}

interface WebhooksData {
  endpoints: Endpoint[];
  /** The endpoint whose log is open, with its deliveries. */
  log: { endpoint: Endpoint; deliveries: Delivery[] } | null;
  /** A secret to show once (just added or rotated). */
  secret: { url: string; secret: string; rotated: boolean } | null;
  /** What the add form sent, kept when it is refused. */
  form: { url: string; events: string[]; error: string | null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function load(
  ctx: AdminContext<WebhooksData>,
  extra: Partial<WebhooksData> = {},
  status = 200,
) {
  const endpoints = await call<Endpoint[]>(ctx, "webhook_endpoints");
  const open = endpoints.find((e) => e.id === ctx.url.searchParams.get("endpoint"));
  const log = open
    ? {
      endpoint: open,
      deliveries: await call<Delivery[]>(ctx, "webhook_deliveries", { endpoint_id: open.id }),
    }
    : null;
  return page<WebhooksData>({
    endpoints,
    log,
    secret: null,
    form: { url: "", events: ["order.paid"], error: null },
    ...extra,
  }, { status, headers: { "cache-control": "private, no-store" } });
}

function refused() {
  return new Response("Your role may not manage webhooks (it needs manage_integrations)", {
    status: 403,
  });
}

export const handler = {
  GET(ctx: AdminContext<WebhooksData>) {
    if (!ctx.state.staff.permissions.manage_integrations) return refused();
    return load(ctx);
  },
  async POST(ctx: AdminContext<WebhooksData>) {
    if (!ctx.state.staff.permissions.manage_integrations) return refused();
    const form = await ctx.req.formData();
    const id = text(form, "id");
    const action = text(form, "action");
    if (action !== "add" && !UUID.test(id)) {
      return ctx.redirect(withFlash(BACK, "error", `No webhook endpoint "${id.slice(0, 40)}"`));
    }
    const confirmed = text(form, "confirmed") === "yes";
    switch (action) {
      case "add": {
        const url = text(form, "url");
        const events = form.getAll("events").map(String);
        const keep = (error: string) => load(ctx, { form: { url, events, error } }, 400);
        if (events.length === 0) return keep("Choose at least one event");
        const check = await checkWebhookUrl(url);
        if (!check.ok) return keep(check.reason);
        try {
          const added = await call<{ url: string; secret: string }>(ctx, "add_webhook_endpoint", {
            url,
            events,
          });
          return load(ctx, { secret: { url: added.url, secret: added.secret, rotated: false } });
        } catch (e) {
          if (e instanceof ApiError && e.status < 500) {
            return keep(e.message);
          }
          throw e;
        }
      }
      case "rotate": {
        if (!confirmed) return ctx.redirect(`${BACK}?confirm_rotate=${id}`);
        try {
          const rotated = await call<{ url: string; secret: string }>(
            ctx,
            "rotate_webhook_secret",
            { id },
          );
          return load(ctx, { secret: { url: rotated.url, secret: rotated.secret, rotated: true } });
        } catch (e) {
          if (e instanceof ApiError && e.status < 500) {
            return ctx.redirect(withFlash(BACK, "error", e.message));
          }
          throw e;
        }
      }
      case "disable":
        if (!confirmed) return ctx.redirect(`${BACK}?confirm_disable=${id}`);
        return act(
          ctx,
          BACK,
          "Endpoint disabled: nothing more is sent to it",
          () => call(ctx, "disable_webhook_endpoint", { id }),
        );
      case "test":
        return act(
          ctx,
          `${BACK}?endpoint=${id}`,
          "Test event queued: it appears in the log below once delivered",
          () => call(ctx, "send_test_webhook", { id }),
        );
      default:
        return ctx.redirect(withFlash(BACK, "error", "Unknown action"));
    }
  },
};

function Confirm(
  { endpoint, action, question, yes, csrf }: {
    endpoint: Endpoint;
    action: string;
    question: string;
    yes: string;
    csrf: string;
  },
) {
  return (
    <form method="post" class={`${card} mb-4 border-amber-400 bg-amber-50`}>
      <Csrf token={csrf} />
      <input type="hidden" name="action" value={action} />
      <input type="hidden" name="id" value={endpoint.id} />
      <input type="hidden" name="confirmed" value="yes" />
      <p class="mb-3 font-medium">{question}</p>
      <div class="flex gap-2">
        <button type="submit" class={action === "disable" ? btnDanger : btnPrimary}>{yes}</button>
        <a href={BACK} class={btnSecondary}>No, go back</a>
      </div>
    </form>
  );
}

function Status({ code, error }: { code: number | null; error: string | null }) {
  const ok = code !== null && code >= 200 && code < 300;
  return (
    <span
      class={`inline-block rounded-full px-2 py-0.5 text-xs font-semibold ${
        ok ? "bg-emerald-100 text-emerald-800" : "bg-red-100 text-red-800"
      }`}
      title={error ?? undefined}
    >
      {code ?? "no answer"}
    </span>
  );
}

export default function Webhooks({ data, state, url }: PageProps<WebhooksData, AdminState>) {
  const csrf = state.staff.csrf;
  const find = (param: string) => data.endpoints.find((e) => e.id === url.searchParams.get(param));
  const rotating = find("confirm_rotate");
  const disabling = find("confirm_disable");
  return (
    <>
      <Head>
        <title>Webhooks · Mutambo admin</title>
      </Head>
      <PageTitle title="Webhooks" />
      <Flash url={url} />
      <p class="mb-4 text-sm text-slate-600">
        Your systems hear about paid and refunded orders and check-ins as signed POST requests
        (header Mutambo-Signature, HMAC-SHA256 with the endpoint's secret). Failed deliveries are
        retried with backoff; each event keeps its id (Mutambo-Delivery) on every attempt.
      </p>
      {data.secret && (
        <div class={`${card} mb-4 border-emerald-400 bg-emerald-50`} data-testid="secret">
          <p class="font-medium">
            {data.secret.rotated ? "New signing secret" : "Endpoint added"} for{" "}
            <span class="font-mono text-sm">{data.secret.url}</span>
          </p>
          <p class="mt-2 text-sm">
            Copy the secret now: it is shown only this once.
            {data.secret.rotated && " Deliveries from now on are signed with it."}
          </p>
          <code class="mt-2 block select-all break-all rounded bg-white p-2 font-mono text-sm">
            {data.secret.secret}
          </code>
        </div>
      )}
      {rotating && (
        <Confirm
          endpoint={rotating}
          action="rotate"
          csrf={csrf}
          yes="Yes, new secret"
          question={`Give ${rotating.url} a new secret? The old one stops working at once, so update your receiver right after.`}
        />
      )}
      {disabling && (
        <Confirm
          endpoint={disabling}
          action="disable"
          csrf={csrf}
          yes="Yes, disable"
          question={`Disable ${disabling.url}? Nothing more is sent to it, including deliveries waiting for a retry.`}
        />
      )}
      {data.endpoints.length === 0
        ? <Notice>No webhook endpoints yet. Add one below.</Notice>
        : (
          <div class={`${card} mb-4 overflow-x-auto p-0`}>
            <table class="w-full min-w-[720px]">
              <thead class="border-b border-slate-200 bg-slate-50">
                <tr>
                  <th class={th}>Endpoint</th>
                  <th class={th}>Events</th>
                  <th class={th}>Last delivery</th>
                  <th class={th}></th>
                </tr>
              </thead>
              <tbody>
                {data.endpoints.map((e) => (
                  <tr class="border-b border-slate-100" data-testid="endpoint">
                    <td class={td}>
                      <a
                        href={`${BACK}?endpoint=${e.id}`}
                        class="break-all font-mono text-xs text-sky-700 underline"
                      >
                        {e.url}
                      </a>
                      <div class="text-xs text-slate-500">
                        {e.active
                          ? `Active · secret ${e.secret_hint}`
                          : `Disabled ${e.disabled_at ? formatDateTime(e.disabled_at) : ""}`}
                      </div>
                    </td>
                    <td class={`${td} text-xs`}>{e.events.join(", ")}</td>
                    <td class={td}>
                      {e.last_attempt_at
                        ? (
                          <>
                            <Status code={e.last_status_code} error={null} />{" "}
                            <span class="text-xs">{formatDateTime(e.last_attempt_at)}</span>
                          </>
                        )
                        : <span class="text-xs text-slate-500">none yet</span>}
                    </td>
                    <td class={`${td} whitespace-nowrap`}>
                      {e.active && (
                        <div class="flex flex-wrap gap-2">
                          {(["test", "rotate", "disable"] as const).map((a) => (
                            <form method="post">
                              <Csrf token={csrf} />
                              <input type="hidden" name="action" value={a} />
                              <input type="hidden" name="id" value={e.id} />
                              <button
                                type="submit"
                                class={`text-xs underline ${
                                  a === "disable" ? "text-red-700" : "text-sky-700"
                                }`}
                              >
                                {a === "test"
                                  ? "Send test event"
                                  : a === "rotate"
                                  ? "Rotate secret…"
                                  : "Disable…"}
                              </button>
                            </form>
                          ))}
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      {data.log && <DeliveryLog log={data.log} />}
      <form method="post" class={`${card} grid gap-3`} aria-labelledby="add-heading">
        <h2 id="add-heading" class="font-semibold">Add an endpoint</h2>
        {data.form.error && <Notice kind="error">{data.form.error}</Notice>}
        <Csrf token={csrf} />
        <input type="hidden" name="action" value="add" />
        <Field
          label="URL"
          name="w-url"
          hint="https:// on the public internet; private and internal addresses are refused"
        >
          <input
            id="w-url"
            name="url"
            type="url"
            required
            class={input}
            value={data.form.url}
            placeholder="https://example.com/mutambo/webhooks"
          />
        </Field>
        <fieldset class="flex flex-wrap gap-4 text-sm">
          <legend class="mb-1 text-sm font-medium text-slate-700">Events</legend>
          {EVENTS.map((ev) => (
            <label class="flex items-center gap-1">
              <input
                type="checkbox"
                name="events"
                value={ev}
                checked={data.form.events.includes(ev)}
              />{" "}
              {ev}
            </label>
          ))}
        </fieldset>
        <div>
          <button type="submit" class={btnPrimary}>Add endpoint</button>
        </div>
      </form>
    </>
  );
}

function DeliveryLog({ log }: { log: NonNullable<WebhooksData["log"]> }) {
  return (
    <section class={`${card} mb-4 overflow-x-auto`} aria-labelledby="log-heading">
      <h2 id="log-heading" class="mb-2 font-semibold">
        Deliveries to <span class="break-all font-mono text-sm">{log.endpoint.url}</span>
      </h2>
      {log.deliveries.length === 0
        ? <p class="text-sm text-slate-600">Nothing delivered yet.</p>
        : (
          <table class="w-full min-w-[640px]">
            <thead class="border-b border-slate-200 bg-slate-50">
              <tr>
                <th class={th}>When</th>
                <th class={th}>Event</th>
                <th class={th}>Attempt</th>
                <th class={th}>Status</th>
                <th class={th}>Time</th>
                <th class={th}>Error</th>
              </tr>
            </thead>
            <tbody>
              {log.deliveries.map((d) => (
                <tr class="border-b border-slate-100" data-testid="delivery">
                  <td class={`${td} whitespace-nowrap`}>{formatDateTime(d.at)}</td>
                  <td class={td}>
                    {d.event_type}
                    <div class="font-mono text-xs text-slate-500">{d.event_id}</div>
                  </td>
                  <td class={td}>{d.attempt}</td>
                  <td class={td}>
                    <Status code={d.status_code} error={d.error} />
                  </td>
                  <td class={td}>{d.duration_ms} ms</td>
                  <td class={`${td} max-w-xs break-words text-xs text-red-800`}>{d.error}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </section>
  );
}
