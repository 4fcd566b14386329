import { useEffect, useState } from "preact/hooks";

interface PaymentWaitProps {
  /** JSON status URL (/checkout/status?o=…&k=…). */
  statusHref: string;
  /** This page, reloaded when the payment is decided either way. */
  pageHref: string;
}

/** Polls the payment status while we wait for the provider's webhook, then reloads the page. */
export default function PaymentWait({ statusHref, pageHref }: PaymentWaitProps) {
  const [tries, setTries] = useState(0);
  useEffect(() => {
    let stopped = false;
    let delay = 1000;
    const tick = async () => {
      if (stopped) return;
      try {
        const response = await fetch(statusHref, { headers: { accept: "application/json" } });
        const status = await response.json();
        const payment = status.payment_status;
        if (status.order_status !== "pending_payment" || (payment && payment !== "pending")) {
          location.replace(pageHref);
          return;
        }
      } catch {
        // offline for a moment: keep trying
      }
      setTries((n) => n + 1);
      delay = Math.min(delay * 1.5, 8000);
      setTimeout(tick, delay);
    };
    const timer = setTimeout(tick, delay);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [statusHref, pageHref]);
  return (
    <p class="mt-2 text-sm text-slate-600" aria-live="polite">
      Checking{tries > 0 ? ` (${tries})` : ""}…
    </p>
  );
}
