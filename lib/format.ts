// Display formatting only: amounts and dates arrive decided from SQL; this file only
// writes them the way a buyer reads them.

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** 2500, "USD" → "US$25.00". Amounts are integer minor units. */
export function formatMoney(minor: number, currency: string): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat("en-ZW", { style: "currency", currency });
    } catch {
      // A currency Intl does not know (e.g. a new code): show the code before the number.
      format = new Intl.NumberFormat("en-ZW", { minimumFractionDigits: 2 });
      const plain = format;
      format = { format: (n: number) => `${currency} ${plain.format(n)}` } as Intl.NumberFormat;
    }
    moneyFormats.set(currency, format);
  }
  return format.format(minor / 100);
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone}|${JSON.stringify(options)}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", { timeZone, ...options });
    dateFormats.set(key, format);
  }
  return format;
}

/** "Sat 12 Dec 2026, 15:00" in the event's time zone. */
export function formatDateTime(iso: string, timeZone = "Africa/Harare"): string {
  return dateFormat(timeZone, {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(iso));
}

/** Parts for a calendar-style date badge: { day: "12", month: "Dec", weekday: "Sat" }. */
export function dateBadge(iso: string, timeZone = "Africa/Harare") {
  const parts = dateFormat(timeZone, { weekday: "short", day: "numeric", month: "short" })
    .formatToParts(new Date(iso));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return { day: part("day"), month: part("month"), weekday: part("weekday") };
}
