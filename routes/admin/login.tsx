// Sign-in: email + password checked by api.login (bcrypt in Postgres). Failed attempts are
// limited per email (5 per 15 minutes) and per IP address (20 per 15 minutes: mobile
// networks put many people behind one address) in Deno KV.
import { Head, page, type PageProps, type RouteContext } from "../../lib/fresh/mod.ts";
import { ApiError, rpc } from "../../lib/rest/mod.ts";
import {
  adminCsrfToken,
  type AdminState,
  createSession,
  safeNext,
  sessionCookie,
} from "../../lib/admin_session.ts";
import { clear, hit, type Limit, peek } from "../../lib/rate_limit.ts";
import { btnPrimary, card, Csrf, Field, input, Notice, text } from "../../components/admin/ui.tsx";

export const EMAIL_LIMIT: Limit = { max: 5, windowMs: 15 * 60 * 1000 };
export const IP_LIMIT: Limit = { max: 20, windowMs: 15 * 60 * 1000 };

interface Data {
  csrf: string;
  email: string;
  next: string;
  error?: string;
  notice?: string;
}

interface LoginResult {
  user_id: string;
  email: string;
  display_name: string;
  is_platform_admin: boolean;
  memberships: { org_id: string; org_name: string; role: string }[];
}

function clientIp(ctx: RouteContext<Data, AdminState>): string {
  const addr = ctx.info?.remoteAddr;
  return addr && "hostname" in addr ? addr.hostname : "unknown";
}

function retryText(resetAt: number): string {
  const minutes = Math.max(1, Math.ceil((resetAt - Date.now()) / 60000));
  const at = new Date(resetAt).toISOString().slice(11, 16);
  return `Too many failed sign-ins. Try again in ${minutes} minute${
    minutes === 1 ? "" : "s"
  } (after ${at} UTC), or reset your password.`;
}

async function render(
  ctx: RouteContext<Data, AdminState>,
  fields: Partial<Data>,
  status = 200,
) {
  const notice = ctx.url.searchParams.has("reset")
    ? "Your password is set. Sign in with it."
    : ctx.url.searchParams.has("signed_out")
    ? "You are signed out."
    : ctx.url.searchParams.has("expired")
    ? "Your access has changed or your session ended. Sign in again."
    : undefined;
  return page<Data>({
    csrf: await adminCsrfToken(ctx.state.sessionId),
    email: "",
    next: safeNext(ctx.url.searchParams.get("next")),
    ...(notice ? { notice } : {}),
    ...fields,
  }, { status });
}

export const handler = {
  GET(ctx: RouteContext<Data, AdminState>) {
    return render(ctx, {});
  },
  async POST(ctx: RouteContext<Data, AdminState>) {
    const form = await ctx.req.formData();
    const email = text(form, "email").toLowerCase();
    const password = typeof form.get("password") === "string" ? String(form.get("password")) : "";
    const next = safeNext(text(form, "next"));
    const ip = clientIp(ctx);
    if (!email || !password) {
      return render(ctx, { email, next, error: "Enter your email and password." }, 400);
    }
    for (
      const [bucket, id, limit] of [["login-email", email, EMAIL_LIMIT], [
        "login-ip",
        ip,
        IP_LIMIT,
      ]] as const
    ) {
      const state = await peek(bucket, id, limit);
      if (state.blocked) {
        return render(ctx, { email, next, error: retryText(state.resetAt) }, 429);
      }
    }
    let user: LoginResult;
    try {
      user = await rpc<LoginResult>("login", { email, password });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        const byEmail = await hit("login-email", email, EMAIL_LIMIT);
        await hit("login-ip", ip, IP_LIMIT);
        const message = byEmail.count >= EMAIL_LIMIT.max
          ? retryText(byEmail.resetAt)
          : error.status === 401
          ? "Email or password is wrong."
          : error.message;
        return render(ctx, { email, next, error: message }, error.status === 401 ? 401 : 403);
      }
      throw error;
    }
    await clear("login-email", email);
    // The first org where the user has a real membership; platform admins start in the first org.
    const first = user.memberships.find((m) => m.role !== "platform_admin") ?? user.memberships[0];
    const session = await createSession({
      userId: user.user_id,
      email: user.email,
      name: user.display_name,
      orgId: first?.org_id ?? null,
      role: first?.role ?? "platform_admin",
    });
    ctx.state.setCookies.push(sessionCookie(session.id, ctx.req, ctx.url));
    return ctx.redirect(next);
  },
};

export default function Login({ data }: PageProps<Data>) {
  return (
    <>
      <Head>
        <title>Sign in · Mutambo admin</title>
      </Head>
      <div class={card}>
        <h1 class="mb-4 text-xl font-bold">Sign in</h1>
        {data.notice && <Notice kind="success">{data.notice}</Notice>}
        {data.error && <Notice kind="error">{data.error}</Notice>}
        <form method="post" action="/admin/login" class="flex flex-col gap-4">
          <Csrf token={data.csrf} />
          <input type="hidden" name="next" value={data.next} />
          <Field label="Email" name="email">
            <input
              id="email"
              name="email"
              type="email"
              autocomplete="username"
              required
              value={data.email}
              class={input}
            />
          </Field>
          <Field label="Password" name="password">
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
              class={input}
            />
          </Field>
          <button type="submit" class={btnPrimary}>Sign in</button>
        </form>
        <p class="mt-4 text-sm">
          <a href="/admin/password/forgot" class="text-sky-700 underline">Forgot your password?</a>
        </p>
      </div>
    </>
  );
}
