// The buyer's choice of how to pay. The list comes from SQL (api.checkout_payment_options /
// api.order_payment_options: the providers the event's org turned on that take its currency),
// given the providers this server has secrets for; a choice outside that list is refused.
// Choosing starts the provider's flow through the provider interface: a redirect to its hosted
// page, or for M-Pesa an STK push and the return page's "check your phone" wait.
import { rpc } from "../rest/mod.ts";
import { ADAPTER_IDS, adapterFromEnv, anyProvider } from "./adapters.ts";
import type { PaymentMethod } from "./provider.ts";
import { type PayableOrder, startPayment } from "./service.ts";

export interface PaymentChoice {
  /** The form value: card / mobile_money (sandbox), provider:method, or cash. */
  choice: string;
  provider: string;
  method: string;
  label: string;
  note: string;
}

/** The adapters this server has secrets for (unconfigured providers are never offered). */
export function configuredProviders(): string[] {
  return ADAPTER_IDS.filter((id) => adapterFromEnv(id) !== null);
}

/** The choices for a hold, from SQL. */
export async function holdPaymentChoices(holdToken: string): Promise<PaymentChoice[]> {
  return await rpc<PaymentChoice[]>("checkout_payment_options", {
    hold_token: holdToken,
    configured: configuredProviders(),
  });
}

/** The provider choices for paying a pending order again (no cash), from SQL. */
export async function orderPaymentChoices(code: string, key: string): Promise<PaymentChoice[]> {
  return await rpc<PaymentChoice[]>("order_payment_options", {
    code,
    access_token: key,
    configured: configuredProviders(),
  });
}

export class ChoiceError extends Error {}

/** What a provider needs from the buyer before it can start (checked before any order is made). */
export function missingDetail(
  choice: PaymentChoice,
  buyer: { email?: string | null | undefined; phone?: string | null | undefined },
): string | null {
  if (
    choice.provider === "mpesa" && !/^\+?254\d{9}$/.test((buyer.phone ?? "").replace(/\s/g, ""))
  ) {
    return "M-Pesa sends the payment prompt to a Kenyan phone: enter it as +254 7XX XXX XXX";
  }
  if (["paystack", "flutterwave"].includes(choice.provider) && !buyer.email) {
    return `${choice.label} needs your email address for the receipt`;
  }
  return null;
}

/** The choice named by a form value, or a ChoiceError when it is not offered. */
export function pick(choices: PaymentChoice[], value: string): PaymentChoice {
  const chosen = choices.find((c) => c.choice === value);
  if (!chosen) {
    throw new ChoiceError(
      value
        ? `“${
          value.slice(0, 40)
        }” is not a way to pay for this order; choose one of the methods shown`
        : "Choose how you want to pay",
    );
  }
  return chosen;
}

/** Records the attempt and starts the chosen provider's flow; returns where the buyer goes next. */
export async function startChosenPayment(
  order: PayableOrder,
  chosen: PaymentChoice,
  options: { accessToken: string; origin: string },
): Promise<string> {
  const provider = anyProvider(chosen.provider, options.origin);
  if (!provider) throw new Error(`Payment provider "${chosen.provider}" is not configured`);
  return await startPayment(order, {
    ...options,
    method: chosen.method as PaymentMethod,
    provider,
  });
}
