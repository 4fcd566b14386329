// A worker process for crash_test.ts (not a test itself): claims one batch of one topic with a
// 2-second lease and delivers it, webhooks to their endpoints or refund emails to the SMTP
// server on the port given. The test kills it with SIGKILL in the middle of a delivery.
//   deno run -A tests/workers/crash_worker.ts webhook
//   deno run -A tests/workers/crash_worker.ts email <smtp port>
import postgres from "postgres";
import { smtpMailer } from "../../lib/email/mailer.ts";
import { emailHandlers } from "../../workers/email.ts";
import { runOutboxOnce } from "../../workers/outbox.ts";
import { WEBHOOK_TOPIC, webhookHandlers } from "../../workers/webhooks.ts";
import { testAuthenticatorUrl } from "../support/db.ts";

const [kind, port] = Deno.args;
const sql = postgres(testAuthenticatorUrl(), { max: 1, onnotice: () => {} });
const handlers = kind === "webhook"
  ? {
    [WEBHOOK_TOPIC]: webhookHandlers({ timeoutMs: 30_000, urlCheck: { allowLoopback: true } })[
      WEBHOOK_TOPIC
    ]!,
  }
  : {
    refunds__send_email: emailHandlers({
      mailer: smtpMailer(`smtp://127.0.0.1:${port}`, "Mutambo <tickets@mutambo.test>"),
    }).refunds__send_email!,
  };
await runOutboxOnce({ sql, handlers, leaseSeconds: 2 });
await sql.end();
console.log("delivered without being killed");
