// A loopback SMTP server (npm smtp-server, port 0) that keeps every message it receives, for
// tests of the email worker over real SMTP.
import { SMTPServer } from "smtp-server";

export interface Captured {
  from: string;
  to: string[];
  raw: string;
}

/**
 * A loopback SMTP server that keeps every message. `beforeAck` runs once a message is fully
 * received and before the server acknowledges it (a test can kill the sender there).
 */
export function startSmtp(options: { beforeAck?: (m: Captured) => void } = {}): Promise<
  { port: number; messages: Captured[]; close: () => Promise<void> }
> {
  const messages: Captured[] = [];
  // deno-lint-ignore no-explicit-any -- smtp-server ships no types
  const server: any = new (SMTPServer as any)({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    // deno-lint-ignore no-explicit-any
    onData(stream: any, session: any, callback: (e?: Error) => void) {
      const chunks: Uint8Array[] = [];
      stream.on("data", (c: Uint8Array) => chunks.push(c));
      stream.on("end", () => {
        messages.push({
          from: session.envelope.mailFrom.address,
          // deno-lint-ignore no-explicit-any
          to: session.envelope.rcptTo.map((r: any) => r.address),
          raw: new TextDecoder().decode(
            Uint8Array.from(chunks.flatMap((c) => Array.from(c))),
          ),
        });
        options.beforeAck?.(messages.at(-1)!);
        callback();
      });
    },
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: server.server.address().port,
        messages,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

/** The raw message with quoted-printable soft breaks and escapes undone. */
export function unqp(raw: string): string {
  return raw.replace(/=\r?\n/g, "").replace(
    /=([0-9A-F]{2})/g,
    (_, h) => String.fromCharCode(parseInt(h, 16)),
  );
}
