import { useEffect, useRef, useState } from "preact/hooks";
import {
  type Answer,
  type DeviceInfo,
  hello,
  kindOf,
  offlineBook,
  refreshManifest,
  Revoked,
  scanOffline,
  scanOnline,
  signal,
  store,
  syncQueue,
  WORDS,
} from "../lib/scan/client.ts";

interface ScannerProps {
  /** A pairing code from the URL (?pair=XXXX-XXXX), to prefill the pairing form. */
  pairCode: string;
}

const time = (iso: string | number) =>
  new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/** The door scanner: pairing, then scans by camera, wedge scanner or typed order code. */
export default function Scanner({ pairCode }: ScannerProps) {
  const [device, setDevice] = useState<DeviceInfo | null>(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    setDevice(store.device());
    setReady(true);
  }, []);
  if (!ready) return <p class="sc-note">Loading…</p>;
  if (!device) return <Pairing code={pairCode} onPaired={setDevice} />;
  return <Scan device={device} onUnpaired={() => setDevice(null)} />;
}

function Pairing({ code, onPaired }: { code: string; onPaired: (d: DeviceInfo) => void }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function pair(e: Event) {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError("");
    try {
      const res = await fetch("/scan/api/pair", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: form.get("code"), name: form.get("name") }),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(body.message ?? "Pairing failed");
      const d: DeviceInfo = { token: body.token, ...body.device };
      store.clear();
      store.setDevice(d);
      await refreshManifest(d).catch(() => {});
      onPaired(d);
    } catch (err) {
      setError(
        (err as Error).message === "Failed to fetch"
          ? "No network: pairing needs a connection"
          : (err as Error).message,
      );
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="sc-pair" onSubmit={pair}>
      <h1>Pair this device</h1>
      <p class="sc-note">Enter the code shown on the organiser's check-in page.</p>
      <label>
        Pairing code
        <input
          name="code"
          value={code}
          required
          autocomplete="off"
          autocapitalize="characters"
          placeholder="XXXX-XXXX"
        />
      </label>
      <label>
        Device name
        <input name="name" required maxLength={60} placeholder="Gate A phone 1" />
      </label>
      {error && <p class="sc-error" role="alert">{error}</p>}
      <button type="submit" disabled={busy}>{busy ? "Pairing…" : "Pair device"}</button>
    </form>
  );
}

function Scan({ device, onUnpaired }: { device: DeviceInfo; onUnpaired: () => void }) {
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [online, setOnline] = useState(true);
  const [queue, setQueue] = useState(0);
  const [sync, setSync] = useState(store.sync());
  const [counts, setCounts] = useState(store.counts());
  const [direction, setDirection] = useState<"in" | "out">("in");
  const [camera, setCamera] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const hide = useRef<ReturnType<typeof setTimeout>>();

  function revoked() {
    store.clear();
    onUnpaired();
  }

  async function syncNow() {
    if (navigator.onLine === false) return setOnline(false);
    try {
      const dups = await syncQueue(device);
      await refreshManifest(device);
      const g = await hello(device);
      const s = store.sync();
      const next = {
        at: Date.now(),
        conflicts: s.conflicts + dups,
        gate15: g ?? s.gate15,
        gate15At: g === null ? s.gate15At : Date.now(),
      };
      store.setSync(next);
      setSync(next);
      setOnline(true);
    } catch (e) {
      if (e instanceof Revoked) return revoked();
      setOnline(false);
    }
    setQueue(store.queue().length);
  }

  useEffect(() => {
    setQueue(store.queue().length);
    syncNow();
    const timer = setInterval(syncNow, 5000);
    const up = () => syncNow();
    const down = () => setOnline(false);
    addEventListener("online", up);
    addEventListener("offline", down);
    return () => {
      clearInterval(timer);
      removeEventListener("online", up);
      removeEventListener("offline", down);
    };
  }, []);

  async function scan(code: string) {
    code = code.trim();
    if (!code) return;
    const id = crypto.randomUUID();
    const t0 = performance.now();
    let a: Answer | null = null;
    try {
      a = await scanOnline(device, id, code, direction);
    } catch (e) {
      if (e instanceof Revoked) return revoked();
    }
    if (a) {
      a = { ...a, offline: false, ms: performance.now() - t0 };
      setOnline(true);
    } else {
      a = await scanOffline(device, id, code, direction);
      setOnline(false);
      setQueue(store.queue().length);
    }
    const c = store.counts();
    const good = a.result === "admitted";
    const next = {
      admitted: c.admitted + (good ? 1 : 0),
      rejected: c.rejected + (good || a.result === "exited" ? 0 : 1),
      admits: [...c.admits.filter((t) => t > Date.now() - 900_000), ...(good ? [Date.now()] : [])],
    };
    store.setCounts(next);
    setCounts(next);
    setAnswer(a);
    signal(kindOf(a));
    clearTimeout(hide.current);
    hide.current = setTimeout(() => setAnswer(null), 2500);
  }

  function submit(e: Event) {
    e.preventDefault();
    const value = input.current!.value;
    input.current!.value = "";
    input.current!.focus();
    scan(value);
  }

  const gate15 = sync.gate15 +
    counts.admits.filter((t) => t > Math.max(sync.gate15At, Date.now() - 900_000)).length;
  return (
    <div class="sc-app">
      <header class="sc-head">
        <span class={online ? "sc-on" : "sc-off"} data-testid="net">
          {online ? "Online" : "Offline"}
        </span>
        <span data-testid="queue">Queue {queue}</span>
        <span>Sync {sync.at ? time(sync.at) : "never"}</span>
        {sync.conflicts > 0 && (
          <span class="sc-conflicts" data-testid="conflicts">
            {sync.conflicts} {sync.conflicts === 1 ? "conflict" : "conflicts"}
          </span>
        )}
      </header>
      <p class="sc-where">
        <strong>{device.gate_name}</strong> · {device.event_name}
      </p>
      <dl class="sc-counts">
        <div>
          <dt>Admitted</dt>
          <dd data-testid="admitted">{counts.admitted}</dd>
        </div>
        <div>
          <dt>Rejected</dt>
          <dd data-testid="rejected">{counts.rejected}</dd>
        </div>
        <div>
          <dt>Gate, 15 min</dt>
          <dd>{gate15}</dd>
        </div>
      </dl>
      <form class="sc-entry" onSubmit={submit}>
        <input
          ref={input}
          name="code"
          aria-label="Ticket code"
          autofocus
          autocomplete="off"
          placeholder="Scan or type order code"
        />
        <button type="submit">Check</button>
      </form>
      <div class="sc-dir" role="group" aria-label="Direction">
        <button type="button" aria-pressed={direction === "in"} onClick={() => setDirection("in")}>
          Entry
        </button>
        <button
          type="button"
          aria-pressed={direction === "out"}
          onClick={() => setDirection("out")}
        >
          Exit
        </button>
        <button type="button" aria-pressed={camera} onClick={() => setCamera(!camera)}>
          Camera
        </button>
      </div>
      {camera && <Camera onCode={scan} />}
      <p class="sc-note">
        {offlineBook()
          ? `Offline list: ${offlineBook()!.tickets.size} tickets`
          : "No offline list yet"} · {device.device_name}{" "}
        <button
          type="button"
          class="sc-link"
          onClick={() => confirm("Unpair this device?") && revoked()}
        >
          Unpair
        </button>
      </p>
      {answer && <Result answer={answer} onClose={() => setAnswer(null)} />}
    </div>
  );
}

function Result({ answer: a, onClose }: { answer: Answer; onClose: () => void }) {
  const t = a.ticket;
  return (
    <div class={`sc-result sc-${kindOf(a)}`} role="alert" data-result={a.result} onClick={onClose}>
      <p class="sc-word">{WORDS[a.result] ?? a.result}</p>
      {a.reason && a.reason.toUpperCase() !== WORDS[a.result] && <p class="sc-reason">{a.reason}
      </p>}
      {a.result === "already_used" && a.used_at && (
        <p class="sc-reason">at {time(a.used_at)}{a.used_gate ? `, ${a.used_gate}` : ""}</p>
      )}
      {a.right_gates && a.right_gates.length > 0 && (
        <p class="sc-reason">Go to {a.right_gates.join(" or ")}</p>
      )}
      {a.valid_from && <p class="sc-reason">from {time(a.valid_from)}</p>}
      {a.warning && <p class="sc-reason">{a.warning}</p>}
      {a.reentry && <p class="sc-reason">Re-entry</p>}
      {t && (
        <p class="sc-ticket">
          {t.attendee_name && <strong>{t.attendee_name}</strong>}
          <span>{[t.ticket_type, t.section, t.seat].filter(Boolean).join(" · ")}</span>
          {t.order_code && <span>Order {t.order_code}</span>}
        </p>
      )}
      <p class="sc-meta">{a.offline ? "OFFLINE decision" : "Online"} · {Math.round(a.ms)} ms</p>
    </div>
  );
}

type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;

/** jsQR, only on browsers without BarcodeDetector: its own lazily loaded chunk. */
async function loadJsQR(): Promise<Decode> {
  const mod = await import("jsqr") as unknown as { default: Decode | { default: Decode } };
  return typeof mod.default === "function" ? mod.default : mod.default.default;
}

function Camera({ onCode }: { onCode: (code: string) => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let stream: MediaStream | undefined;
    let stop = false;
    let last = "";
    let lastAt = 0;
    (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: "environment" },
        });
        const v = video.current!;
        v.srcObject = stream;
        await v.play();
        // deno-lint-ignore no-explicit-any
        const Detector = (globalThis as any).BarcodeDetector;
        const detector = Detector ? new Detector({ formats: ["qr_code"] }) : null;
        const jsqr = detector ? null : await loadJsQR();
        const canvas = document.createElement("canvas");
        const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
        while (!stop) {
          let text: string | undefined;
          if (detector) {
            text = (await detector.detect(v))[0]?.rawValue;
          } else if (v.videoWidth) {
            canvas.width = v.videoWidth;
            canvas.height = v.videoHeight;
            ctx.drawImage(v, 0, 0);
            text = jsqr!(
              ctx.getImageData(0, 0, canvas.width, canvas.height).data,
              canvas.width,
              canvas.height,
            )?.data;
          }
          if (text && (text !== last || Date.now() - lastAt > 3000)) {
            last = text;
            lastAt = Date.now();
            onCode(text);
          }
          await new Promise((r) => setTimeout(r, 150));
        }
      } catch (e) {
        setError(`Camera unavailable: ${(e as Error).message}`);
      }
    })();
    return () => {
      stop = true;
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, []);
  return (
    <div class="sc-camera">
      <video ref={video} muted playsInline />
      {error && <p class="sc-error">{error}</p>}
    </div>
  );
}
