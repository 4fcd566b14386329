// Small Web Crypto helpers shared by the provider adapters: hex HMACs and digests and a
// constant-time comparison of equal-length strings.
const encoder = new TextEncoder();

export function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Lowercase hex HMAC of `data` with `secret` (SHA-256 or SHA-512). */
export async function hmacHex(
  hash: "SHA-256" | "SHA-512",
  secret: string,
  data: string,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash },
    false,
    ["sign"],
  );
  return hex(await crypto.subtle.sign("HMAC", key, encoder.encode(data)));
}

/** Lowercase hex digest of `data`. */
export async function digestHex(hash: "SHA-256" | "SHA-512", data: string): Promise<string> {
  return hex(await crypto.subtle.digest(hash, encoder.encode(data)));
}

/** Compares two strings in time that depends only on their length. */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Major-unit decimal text ("12.50") to integer minor units (1250), or null when malformed. */
export function toMinor(value: unknown, decimals = 2): number | null {
  const text = typeof value === "number" ? value.toFixed(decimals) : String(value ?? "");
  const m = /^(\d{1,13})(?:\.(\d{1,4}))?$/.exec(text.trim());
  if (!m) return null;
  const frac = (m[2] ?? "").padEnd(decimals, "0");
  if (frac.length > decimals && /[1-9]/.test(frac.slice(decimals))) return null;
  return Number(m[1]) * 10 ** decimals + Number(frac.slice(0, decimals) || "0");
}
