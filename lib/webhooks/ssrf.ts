// Where organisers' webhooks may go. An endpoint URL whose host is, or resolves to, an address
// that is not on the public internet is refused: loopback (127.0.0.0/8, ::1), private
// (10/8, 172.16/12, 192.168/16, fc00::/7), carrier-grade NAT (100.64/10), link-local
// (169.254/16, fe80::/10, which holds the cloud metadata service 169.254.169.254), the
// unspecified, benchmarking, reserved, multicast and broadcast ranges, and the metadata host
// names. Otherwise a webhook would let anyone with manage_integrations make our server call
// its own network (SSRF). The check runs when an endpoint is added and again before every
// delivery, since DNS can change after the endpoint was added.
//
// Development and tests deliver to a receiver on this machine: MUTAMBO_WEBHOOKS_ALLOW_LOOPBACK=1
// allows loopback addresses (only those; private and metadata addresses stay refused).

export interface UrlCheckOptions {
  /** Allow loopback addresses (default: MUTAMBO_WEBHOOKS_ALLOW_LOOPBACK=1). */
  allowLoopback?: boolean;
  /** Resolves a host name to its addresses (default: Deno.resolveDns, A and AAAA). */
  resolve?: (host: string) => Promise<string[]>;
}

export type UrlCheck = { ok: true; addresses: string[] } | { ok: false; reason: string };

const METADATA_HOSTS = [
  "metadata.google.internal",
  "metadata",
  "instance-data",
  "metadata.azure.com",
];

export function loopbackAllowed(): boolean {
  return Deno.env.get("MUTAMBO_WEBHOOKS_ALLOW_LOOPBACK") === "1";
}

function v4(text: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

/** The 8 groups of an IPv6 address (with an embedded IPv4 tail), or null. */
function v6(text: string): number[] | null {
  let s = text.toLowerCase();
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!/^[0-9a-f:.]+$/.test(s) || !s.includes(":")) return null;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const four = v4(tail[1]!);
    if (!four) return null;
    s = s.slice(0, -tail[1]!.length) +
      `${((four[0]! << 8) | four[1]!).toString(16)}:${((four[2]! << 8) | four[3]!).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

/** Why an IPv4 address is not public, or null when it is. */
function v4Class(a: number[]): string | null {
  const [x, y] = [a[0]!, a[1]!];
  if (x === 127) return "loopback";
  if (x === 169 && y === 254) {
    return a[2] === 169 && a[3] === 254 ? "link-local: the cloud metadata service" : "link-local";
  }
  if (x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168)) return "private";
  if (x === 100 && y >= 64 && y <= 127) return "private (carrier-grade NAT)";
  if (x === 0) return "unspecified";
  if (x === 192 && y === 0 && a[2] === 0) return "reserved";
  if (x === 198 && (y === 18 || y === 19)) return "reserved (benchmarking)";
  if (x >= 224) return x < 240 ? "multicast" : "reserved";
  return null;
}

/** Why an IP address (v4 or v6 text) is not public, or null when it is. */
export function addressClass(address: string): string | null {
  const four = v4(address);
  if (four) return v4Class(four);
  const g = v6(address.replace(/^\[|\]$/g, ""));
  if (!g) return "not an IP address";
  if (g.every((x) => x === 0)) return "unspecified";
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return "loopback";
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible: judged as the IPv4 address
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) {
    return v4Class([g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255]);
  }
  if ((g[0]! & 0xfe00) === 0xfc00) return "private (unique local)";
  if ((g[0]! & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0]! & 0xff00) === 0xff00) return "multicast";
  if (g[0] === 0x2001 && g[1] === 0xdb8) return "reserved (documentation)";
  return null;
}

async function resolveDns(host: string): Promise<string[]> {
  const found: string[] = [];
  for (const type of ["A", "AAAA"] as const) {
    try {
      found.push(...await Deno.resolveDns(host, type));
    } catch {
      // no record of this type (or no answer): the other type may have one
    }
  }
  return found;
}

/** Checks a webhook URL: http(s), and every address its host resolves to is public. */
export async function checkWebhookUrl(
  url: string,
  options: UrlCheckOptions = {},
): Promise<UrlCheck> {
  const allowLoopback = options.allowLoopback ?? loopbackAllowed();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: `“${url.slice(0, 200)}” is not a URL` };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return { ok: false, reason: `Webhook URLs must be http or https, not ${parsed.protocol}` };
  }
  if (parsed.username || parsed.password) {
    return { ok: false, reason: "Webhook URLs must not carry a user name or password" };
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  if (METADATA_HOSTS.includes(host)) {
    return {
      ok: false,
      reason: `${host} is a cloud metadata service; webhooks cannot be sent there`,
    };
  }
  let addresses: string[];
  if (v4(host) || v6(host)) {
    addresses = [host];
  } else if (host === "localhost" || host.endsWith(".localhost")) {
    addresses = ["127.0.0.1", "::1"];
  } else {
    addresses = await (options.resolve ?? resolveDns)(host);
    if (addresses.length === 0) {
      return {
        ok: false,
        reason: `${host} could not be resolved to an address; check the host name`,
      };
    }
  }
  for (const address of addresses) {
    const kind = addressClass(address);
    if (kind === "loopback" && allowLoopback) continue;
    if (kind) {
      const resolved = address === host ? "" : ` (it resolves to ${address})`;
      return {
        ok: false,
        reason: `${host}${resolved} is not a public address (${kind}${
          kind === "loopback" ? ", allowed only in development" : ""
        }); webhooks go only to addresses on the public internet`,
      };
    }
  }
  return { ok: true, addresses };
}
