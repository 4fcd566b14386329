// The payment providers by id, configured from the environment (the sandbox from
// lib/payments/service.ts's providerFor). Secrets live only in env vars:
//
//   PAYSTACK_SECRET_KEY                      Paystack secret key (API and webhook HMAC-SHA512)
//   STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET Stripe API key; endpoint signing secret (whsec_…)
//   FLUTTERWAVE_SECRET_KEY, FLUTTERWAVE_SECRET_HASH   API key; the dashboard's webhook hash
//   PAYNOW_INTEGRATION_ID, PAYNOW_INTEGRATION_KEY     Paynow integration (hash key)
//   PAYNOW_CURRENCY                          that integration's currency (USD or ZWG): Paynow's
//                                            status updates do not name one, and an update
//                                            without it would not match the attempt's
//   MPESA_CONSUMER_KEY, MPESA_CONSUMER_SECRET, MPESA_SHORTCODE, MPESA_PASSKEY,
//   MPESA_CALLBACK_TOKEN                     Daraja credentials; the secret in our callback URL
//   MPESA_ALLOWED_IPS (optional)             comma-separated callback sources instead of
//                                            Safaricom's published list (when it changes)
//
// Each API's base URL can be changed with <PROVIDER>_API_URL (PAYSTACK_API_URL, STRIPE_API_URL,
// FLUTTERWAVE_API_URL, PAYNOW_API_URL, MPESA_API_URL): tests point them at a loopback server
// that speaks the provider's documented requests and answers.
//
// A provider whose variables are missing is "not configured": its webhooks are refused and
// logged, and refunds through it wait in the outbox (retried, then dead-lettered).
import type { PaymentProvider } from "./provider.ts";
import { providerFor } from "./service.ts";
import { PaystackProvider } from "./providers/paystack.ts";
import { StripeProvider } from "./providers/stripe.ts";
import { FlutterwaveProvider } from "./providers/flutterwave.ts";
import { PaynowProvider } from "./providers/paynow.ts";
import { MpesaProvider } from "./providers/mpesa.ts";

export const ADAPTER_IDS = ["paystack", "stripe", "flutterwave", "paynow", "mpesa"] as const;

function env(name: string): string | null {
  const v = Deno.env.get(name);
  return v && v.trim() ? v : null;
}

/** `{ baseUrl }` from <NAME>_API_URL when it is set. */
function base(name: string): { baseUrl?: string } {
  const url = env(`${name}_API_URL`);
  return url ? { baseUrl: url.replace(/\/+$/, "") } : {};
}

/** The adapter for `id` from the environment, or null when it is not configured. */
export function adapterFromEnv(id: string): PaymentProvider | null {
  switch (id) {
    case "paystack": {
      const secretKey = env("PAYSTACK_SECRET_KEY");
      return secretKey ? new PaystackProvider({ secretKey, ...base("PAYSTACK") }) : null;
    }
    case "stripe": {
      const secretKey = env("STRIPE_SECRET_KEY");
      const webhookSecret = env("STRIPE_WEBHOOK_SECRET");
      return secretKey && webhookSecret
        ? new StripeProvider({ secretKey, webhookSecret, ...base("STRIPE") })
        : null;
    }
    case "flutterwave": {
      const secretKey = env("FLUTTERWAVE_SECRET_KEY");
      const secretHash = env("FLUTTERWAVE_SECRET_HASH");
      return secretKey && secretHash
        ? new FlutterwaveProvider({ secretKey, secretHash, ...base("FLUTTERWAVE") })
        : null;
    }
    case "paynow": {
      const integrationId = env("PAYNOW_INTEGRATION_ID");
      const integrationKey = env("PAYNOW_INTEGRATION_KEY");
      const currency = env("PAYNOW_CURRENCY")?.trim().toUpperCase();
      return integrationId && integrationKey && currency && /^[A-Z]{3}$/.test(currency)
        ? new PaynowProvider({ integrationId, integrationKey, currency, ...base("PAYNOW") })
        : null;
    }
    case "mpesa": {
      const o = {
        consumerKey: env("MPESA_CONSUMER_KEY"),
        consumerSecret: env("MPESA_CONSUMER_SECRET"),
        shortcode: env("MPESA_SHORTCODE"),
        passkey: env("MPESA_PASSKEY"),
        callbackToken: env("MPESA_CALLBACK_TOKEN"),
      };
      const ips = env("MPESA_ALLOWED_IPS")?.split(",").map((ip) => ip.trim()).filter(Boolean);
      return o.consumerKey && o.consumerSecret && o.shortcode && o.passkey && o.callbackToken
        ? new MpesaProvider(
          {
            ...o,
            ...base("MPESA"),
            ...(ips?.length ? { allowedIps: ips } : {}),
          } as ConstructorParameters<
            typeof MpesaProvider
          >[0],
        )
        : null;
    }
    default:
      return null;
  }
}

/** Any provider by id (the sandbox's API at SANDBOX_PAY_URL or `origin`), or null. */
export function anyProvider(id: string, origin: string): PaymentProvider | null {
  return id === "sandbox" ? providerFor("sandbox", origin) : adapterFromEnv(id);
}
