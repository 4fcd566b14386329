// "Forgot your password?": queues a reset link (api.request_password_reset writes the
// outbox row). The answer is the same whether or not the address has an account.
import { Head, page, type PageProps, type RouteContext } from "../../../lib/fresh/mod.ts";
import { ApiError, rpc } from "../../../lib/rest/mod.ts";
import { adminCsrfToken, type AdminState } from "../../../lib/admin_session.ts";
import { hit, type Limit, peek } from "../../../lib/rate_limit.ts";
import {
  btnPrimary,
  card,
  Csrf,
  Field,
  input,
  Notice,
  text,
} from "../../../components/admin/ui.tsx";

const LIMIT: Limit = { max: 3, windowMs: 15 * 60 * 1000 };

interface Data {
  csrf: string;
  sent?: boolean;
  error?: string;
}

export const handler = {
  async GET(ctx: RouteContext<Data, AdminState>) {
    return page<Data>({ csrf: await adminCsrfToken(ctx.state.sessionId) });
  },
  async POST(ctx: RouteContext<Data, AdminState>) {
    const csrf = await adminCsrfToken(ctx.state.sessionId);
    const email = text(await ctx.req.formData(), "email").toLowerCase();
    if ((await peek("reset-email", email, LIMIT)).blocked) {
      return page<Data>({ csrf, sent: true });
    }
    try {
      await rpc("request_password_reset", { email });
      await hit("reset-email", email, LIMIT);
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        return page<Data>({ csrf, error: error.message }, { status: 400 });
      }
      throw error;
    }
    return page<Data>({ csrf, sent: true });
  },
};

export default function Forgot({ data }: PageProps<Data>) {
  return (
    <>
      <Head>
        <title>Reset your password · Mutambo admin</title>
      </Head>
      <div class={card}>
        <h1 class="mb-4 text-xl font-bold">Reset your password</h1>
        {data.sent
          ? (
            <Notice kind="success">
              If that address has an account, we have sent it a link to set a new password. The link
              works once, for one hour.
            </Notice>
          )
          : (
            <>
              {data.error && <Notice kind="error">{data.error}</Notice>}
              <form method="post" class="flex flex-col gap-4">
                <Csrf token={data.csrf} />
                <Field label="Email" name="email">
                  <input id="email" name="email" type="email" required class={input} />
                </Field>
                <button type="submit" class={btnPrimary}>Send me a link</button>
              </form>
            </>
          )}
        <p class="mt-4 text-sm">
          <a href="/admin/login" class="text-sky-700 underline">Back to sign in</a>
        </p>
      </div>
    </>
  );
}
