import { useEffect, useState } from "preact/hooks";

interface CountdownProps {
  /** Seconds left when the server rendered the page (from the hold, not the browser's clock). */
  secondsLeft: number;
  /** Where to go when the time is up (the page then explains what happened). */
  reloadHref: string;
}

const clock = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;

/** Minutes and seconds left on a hold, counting down in the browser. */
export default function Countdown({ secondsLeft, reloadHref }: CountdownProps) {
  const [left, setLeft] = useState(secondsLeft);
  useEffect(() => {
    const end = Date.now() + secondsLeft * 1000;
    const timer = setInterval(() => {
      const now = Math.max(0, Math.round((end - Date.now()) / 1000));
      setLeft(now);
      if (now === 0) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [secondsLeft]);
  if (left === 0) {
    return (
      <span>
        Time is up. <a class="underline" href={reloadHref}>See what happened</a>
      </span>
    );
  }
  return (
    <span role="timer" aria-live={left % 60 === 0 ? "polite" : "off"}>
      <strong class="tabular-nums">{clock(left)}</strong> left
    </span>
  );
}
