// Wiring only: the islands app over routes/, islands/ and static/, served on PORT.
import { createApp } from "./lib/fresh/mod.ts";
import { projectRoot, serverPort } from "./lib/config.ts";

const app = await createApp({ root: projectRoot });
const port = serverPort();
try {
  Deno.serve({
    port,
    onListen: ({ hostname, port }) =>
      console.log(
        `Mutambo is running on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`,
      ),
  }, app.handler);
} catch (error) {
  if (error instanceof Deno.errors.AddrInUse) {
    console.error(
      `Port ${port} is already in use: stop what runs there or start Mutambo with PORT=<another port>`,
    );
    Deno.exit(1);
  }
  throw error;
}
