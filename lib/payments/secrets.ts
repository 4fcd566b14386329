// Shared secrets between our server and the sandbox provider: from the environment, or derived
// from the server secret so a fresh checkout works without setup.
import { sign } from "../session.ts";

let apiKey: string | undefined;
let webhookSecret: string | undefined;

async function derived(purpose: string): Promise<string> {
  return await sign("sandbox-pay", purpose);
}

/** Called once at startup of anything that uses the sandbox (derivation is async). */
export async function loadSandboxSecrets(): Promise<void> {
  apiKey ??= Deno.env.get("SANDBOX_API_KEY") ?? "sk_sandbox_" + (await derived("api-key"));
  webhookSecret ??= Deno.env.get("SANDBOX_WEBHOOK_SECRET") ??
    "whsec_" + (await derived("webhook-secret"));
}

export function sandboxApiKey(): string {
  if (!apiKey) throw new Error("Call loadSandboxSecrets() first");
  return apiKey;
}

export function sandboxWebhookSecret(): string {
  if (!webhookSecret) throw new Error("Call loadSandboxSecrets() first");
  return webhookSecret;
}
await loadSandboxSecrets();
