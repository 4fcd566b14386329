// Where things are: database URLs, secrets, ports. Environment variables win; otherwise
// the project's own cluster (scripts/db.sh) and a secret generated once under .data/.

const root = new URL("../", import.meta.url).pathname;

/** The superuser URL used by migrations, seeding and tests that need to set things up. */
export function adminDatabaseUrl(database?: string): string {
  const url = new URL(
    Deno.env.get("DATABASE_URL") ??
      `postgres://postgres@127.0.0.1:${Deno.env.get("MUTAMBO_PG_PORT") ?? "54329"}/mutambo`,
  );
  if (database) url.pathname = `/${database}`;
  return url.toString();
}

/** The URL the server uses: the `authenticator` role, which switches to API roles per request. */
export function authenticatorDatabaseUrl(database?: string): string {
  const explicit = Deno.env.get("AUTHENTICATOR_DATABASE_URL");
  const url = new URL(explicit ?? adminDatabaseUrl(database));
  if (!explicit) {
    url.username = "authenticator";
    url.password = "";
  }
  if (database) url.pathname = `/${database}`;
  return url.toString();
}

export function databaseName(): string {
  return new URL(adminDatabaseUrl()).pathname.slice(1);
}

/** HS256 secret shared with PostgREST (jwt-secret). At least 32 characters. */
export function jwtSecret(): string {
  const fromEnv = Deno.env.get("JWT_SECRET");
  if (fromEnv) {
    if (fromEnv.length < 32) throw new Error("JWT_SECRET must be at least 32 characters long");
    return fromEnv;
  }
  const path = `${root}.data/jwt_secret`;
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    const bytes = crypto.getRandomValues(new Uint8Array(36));
    const secret = btoa(String.fromCharCode(...bytes));
    Deno.mkdirSync(`${root}.data`, { recursive: true });
    Deno.writeTextFileSync(path, secret + "\n", { mode: 0o600 });
    return secret;
  }
}

export function serverPort(): number {
  return Number(Deno.env.get("PORT") ?? "8000");
}

export const projectRoot = root;
