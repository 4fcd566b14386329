// lib/webhooks/ssrf.ts: which addresses a webhook may go to, with a resolver given by the test
// (no DNS traffic leaves this machine).
import assert from "node:assert/strict";
import { addressClass, checkWebhookUrl } from "../../lib/webhooks/ssrf.ts";

Deno.test("addresses that are not public are named; public ones pass", () => {
  const cases: [string, string | null][] = [
    ["127.0.0.1", "loopback"],
    ["127.9.9.9", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.10", "private"],
    ["100.64.0.1", "private (carrier-grade NAT)"],
    ["169.254.169.254", "link-local: the cloud metadata service"],
    ["169.254.10.1", "link-local"],
    ["fe80::1", "link-local"],
    ["fd00:ec2::254", "private (unique local)"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:169.254.169.254", "link-local: the cloud metadata service"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["ff02::1", "multicast"],
    ["172.32.0.1", null],
    ["8.8.8.8", null],
    ["2606:4700:4700::1111", null],
  ];
  for (const [address, kind] of cases) assert.equal(addressClass(address), kind, address);
});

Deno.test("checkWebhookUrl: literals, names, loopback only when allowed", async () => {
  const resolve = (map: Record<string, string[]>) => (host: string) =>
    Promise.resolve(map[host] ?? []);
  const ok = await checkWebhookUrl("https://hooks.example.test/x", {
    resolve: resolve({ "hooks.example.test": ["203.0.113.7", "2606:4700::1"] }),
  });
  assert.deepEqual(ok, { ok: true, addresses: ["203.0.113.7", "2606:4700::1"] });
  // any one bad address is enough to refuse
  const mixed = await checkWebhookUrl("https://hooks.example.test/x", {
    resolve: resolve({ "hooks.example.test": ["203.0.113.7", "192.168.1.9"] }),
  });
  assert.equal(mixed.ok, false);
  assert.match(
    !mixed.ok ? mixed.reason : "",
    /resolves to 192\.168\.1\.9\) is not a public address \(private\)/,
  );
  const unknown = await checkWebhookUrl("https://nowhere.example.test/", { resolve: resolve({}) });
  assert.match(!unknown.ok ? unknown.reason : "", /could not be resolved/);

  const local = await checkWebhookUrl("http://localhost:18700/hook", { allowLoopback: false });
  assert.match(!local.ok ? local.reason : "", /loopback, allowed only in development/);
  assert.equal(
    (await checkWebhookUrl("http://localhost:18700/hook", { allowLoopback: true })).ok,
    true,
  );
  assert.equal((await checkWebhookUrl("http://[::1]:18700/", { allowLoopback: true })).ok, true);
  // allowing loopback allows nothing else
  const meta = await checkWebhookUrl("http://169.254.169.254/latest", { allowLoopback: true });
  assert.match(!meta.ok ? meta.reason : "", /cloud metadata service/);
  const metaName = await checkWebhookUrl("http://metadata.google.internal/", {
    allowLoopback: true,
  });
  assert.equal(metaName.ok, false);
  assert.match(
    (await checkWebhookUrl("ftp://example.test/", {}) as { reason: string }).reason,
    /must be http or https/,
  );
  assert.match(
    (await checkWebhookUrl("https://u:p@example.test/", {}) as { reason: string }).reason,
    /user name or password/,
  );
});
