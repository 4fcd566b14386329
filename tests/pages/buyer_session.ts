// A browser-like session against the in-memory app: keeps cookies, reads CSRF tokens.
import type { App } from "../../lib/fresh/mod.ts";

export interface BuyerSession {
  cookies: Map<string, string>;
  get(path: string): Promise<Response>;
  post(path: string, fields: Record<string, string> | [string, string][]): Promise<Response>;
  /** The hidden CSRF token of the last page this session fetched. */
  csrf: string;
}

export function buyerSession(app: App): BuyerSession {
  const cookies = new Map<string, string>();
  const session: BuyerSession = {
    cookies,
    csrf: "",
    async get(path) {
      const response = await send(new Request(`http://localhost${path}`, { headers: headers() }));
      const html = await response.clone().text();
      const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
      if (token) session.csrf = token;
      return response;
    },
    post(path, fields) {
      const body = new URLSearchParams(fields);
      return send(
        new Request(`http://localhost${path}`, { method: "POST", body, headers: headers() }),
      );
    },
  };
  function headers(): HeadersInit {
    return { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
  }
  async function send(req: Request): Promise<Response> {
    const response = await app.handler(req);
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
    return response;
  }
  return session;
}
