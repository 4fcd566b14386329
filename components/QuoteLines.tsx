import { formatMoney } from "../lib/format.ts";

export interface QuoteLine {
  kind: string;
  description: string;
  quantity: number;
  unit_minor: number;
  amount_minor: number;
  reason: string;
}

export interface Quote {
  currency: string;
  lines: QuoteLine[];
  subtotal_minor: number;
  discount_minor: number;
  fees_minor: number;
  tax_minor: number;
  total_minor: number;
  tax_inclusive?: boolean;
  promo?: { code: string } | null;
  tickets: { kind: string; ticket_type?: string; section?: string | null; label?: string | null }[];
}

/** Every line of a quote with its reason, and the total. Server-only markup. */
export function QuoteLines({ quote }: { quote: Quote }) {
  const money = (minor: number) => formatMoney(minor, quote.currency);
  return (
    <table class="w-full text-sm">
      <caption class="sr-only">Price breakdown</caption>
      <tbody>
        {quote.lines.map((line) => (
          <tr class="border-b border-slate-100 align-top">
            <td class="py-2 pr-2">
              <span class="font-medium">{line.description}</span>
              {line.quantity > 1 && (
                <span class="text-slate-600">
                  {` · ${line.quantity} × ${money(line.unit_minor)}`}
                </span>
              )}
              <span class="block text-xs text-slate-600">{line.reason}</span>
            </td>
            <td
              class={`py-2 text-right whitespace-nowrap ${
                line.amount_minor < 0 ? "text-green-700" : ""
              } ${line.kind === "tax_included" ? "text-slate-500" : ""}`}
            >
              {line.kind === "tax_included"
                ? `(${money(line.amount_minor)})`
                : money(line.amount_minor)}
            </td>
          </tr>
        ))}
        <tr>
          <th class="pt-3 text-left text-base">Total to pay</th>
          <td class="pt-3 text-right text-base font-extrabold whitespace-nowrap">
            {money(quote.total_minor)}
          </td>
        </tr>
      </tbody>
    </table>
  );
}
