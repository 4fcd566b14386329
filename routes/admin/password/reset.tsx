// Setting a password from a reset or invitation link (?token=…), checked by api.reset_password.
import { Head, page, type PageProps, type RouteContext } from "../../../lib/fresh/mod.ts";
import { ApiError, rpc } from "../../../lib/rest/mod.ts";
import { adminCsrfToken, type AdminState } from "../../../lib/admin_session.ts";
import {
  btnPrimary,
  card,
  Csrf,
  Field,
  input,
  Notice,
  text,
} from "../../../components/admin/ui.tsx";

interface Data {
  csrf: string;
  token: string;
  error?: string;
}

export const handler = {
  async GET(ctx: RouteContext<Data, AdminState>) {
    return page<Data>({
      csrf: await adminCsrfToken(ctx.state.sessionId),
      token: ctx.url.searchParams.get("token") ?? "",
    });
  },
  async POST(ctx: RouteContext<Data, AdminState>) {
    const form = await ctx.req.formData();
    const token = text(form, "token");
    const password = String(form.get("password") ?? "");
    const csrf = await adminCsrfToken(ctx.state.sessionId);
    if (password !== String(form.get("confirm") ?? "")) {
      return page<Data>({ csrf, token, error: "The two passwords are not the same." }, {
        status: 400,
      });
    }
    try {
      await rpc("reset_password", { token, new_password: password });
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) {
        return page<Data>({ csrf, token, error: error.message }, { status: error.status });
      }
      throw error;
    }
    return ctx.redirect("/admin/login?reset=1");
  },
};

export default function Reset({ data }: PageProps<Data>) {
  return (
    <>
      <Head>
        <title>Choose a password · Mutambo admin</title>
      </Head>
      <div class={card}>
        <h1 class="mb-4 text-xl font-bold">Choose a password</h1>
        {data.error && <Notice kind="error">{data.error}</Notice>}
        <form method="post" action="/admin/password/reset" class="flex flex-col gap-4">
          <Csrf token={data.csrf} />
          <input type="hidden" name="token" value={data.token} />
          <Field label="New password" name="password" hint="At least 10 characters.">
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="new-password"
              minLength={10}
              required
              class={input}
            />
          </Field>
          <Field label="New password again" name="confirm">
            <input
              id="confirm"
              name="confirm"
              type="password"
              autocomplete="new-password"
              required
              class={input}
            />
          </Field>
          <button type="submit" class={btnPrimary}>Set password</button>
        </form>
      </div>
    </>
  );
}
