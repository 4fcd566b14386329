// CSRF protection for the buyer's forms: a per-session token (HMAC of the session id with the
// server secret) in a hidden field, checked on every POST that changes state.
import { sameText, sign } from "./session.ts";

export const CSRF_FIELD = "_csrf";

/** The token to put into a form's hidden `_csrf` field for this session. */
export function csrfToken(sessionId: string): Promise<string> {
  return sign("csrf", sessionId);
}

/** True when the form carries this session's token. */
export async function checkCsrf(form: FormData, sessionId: string): Promise<boolean> {
  const sent = form.get(CSRF_FIELD);
  return typeof sent === "string" && sameText(sent, await csrfToken(sessionId));
}

/** The answer to a form without a valid token: the page was open too long or came from elsewhere. */
export function csrfRefusal(): Response {
  return new Response(
    "This form has expired or did not come from our site. Go back, reload the page and try again.",
    { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } },
  );
}
