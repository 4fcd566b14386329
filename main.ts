// Wiring only: the islands app over routes/, islands/ and static/, served on PORT.
import { createApp } from "./lib/fresh/mod.ts";
import { projectRoot, serverPort } from "./lib/config.ts";
import { closeDb } from "./lib/db.ts";
import { startWorkers } from "./workers/mod.ts";
import { withCompression } from "./lib/compress.ts";

const app = await createApp({ root: projectRoot });
const port = serverPort();
let server: Deno.HttpServer;
try {
  server = Deno.serve({
    port,
    onListen: ({ port }) => console.log(`Mutambo is running on http://localhost:${port}`),
  }, withCompression(app.handler));
} catch (error) {
  if (error instanceof Deno.errors.AddrInUse) {
    console.error(
      `Port ${port} is already in use: stop what runs there or start Mutambo with PORT=<another port>`,
    );
    Deno.exit(1);
  }
  throw error;
}

// Emails leave through the outbox (SMTP when SMTP_URL is set, else logged).
const stopOutbox = startWorkers({
  origin: Deno.env.get("PUBLIC_ORIGIN") ?? `http://localhost:${port}`,
});

// Finish requests in flight and close the database pool on Ctrl-C or a stop signal.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await server.shutdown();
    await stopOutbox();
    await closeDb();
    Deno.exit(0);
  });
}
