// HMAC-SHA256 webhook signatures in the `t=<unix seconds>,v1=<hex>` form (Stripe's scheme,
// which our sandbox provider copies): the MAC covers `<t>.<raw body>`, and a timestamp older
// or newer than the tolerance is refused so a captured webhook cannot be replayed later.

const encoder = new TextEncoder();

async function key(secret: string): Promise<CryptoKey> {
  return await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The signature header value for `body` sent at `timestamp` (seconds). */
export async function signatureHeader(
  secret: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Promise<string> {
  const mac = await crypto.subtle.sign(
    "HMAC",
    await key(secret),
    encoder.encode(`${timestamp}.${body}`),
  );
  return `t=${timestamp},v1=${hex(mac)}`;
}

function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** null when the header is a valid signature of `body` within the tolerance, else the reason. */
export async function checkSignature(
  secret: string,
  header: string | null,
  body: string,
  options: { now?: Date; toleranceSeconds?: number } = {},
): Promise<string | null> {
  if (!header) return "Missing signature header";
  const parts = new Map<string, string[]>();
  for (const item of header.split(",")) {
    const eq = item.indexOf("=");
    if (eq < 0) continue;
    const name = item.slice(0, eq).trim();
    parts.set(name, [...(parts.get(name) ?? []), item.slice(eq + 1).trim()]);
  }
  const t = parts.get("t")?.[0];
  const signatures = parts.get("v1") ?? [];
  if (!t || !/^\d{1,12}$/.test(t) || signatures.length === 0) {
    return `Malformed signature header "${header.slice(0, 60)}"`;
  }
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(now - Number(t)) > tolerance) {
    return `Timestamp ${t} is more than ${tolerance} s away from now (${now})`;
  }
  const expected = (await signatureHeader(secret, body, Number(t))).split("v1=")[1]!;
  return signatures.some((s) => sameText(s, expected)) ? null : "Signature does not match";
}
