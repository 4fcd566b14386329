// JWT verification the way PostgREST does it: HS256 with the shared secret, exp/nbf/iat
// checked with 30 s of clock skew. No Authorization header means the anonymous role; a bad
// token is a 401 with `WWW-Authenticate: Bearer error="invalid_token", error_description=…`.
import { errors, jwtVerify, SignJWT } from "jose";
import { ApiError } from "./errors.ts";

/** The claims of a request. `role` picks the database role; the rest is read by SQL. */
export interface JwtClaims {
  role?: string;
  sub?: string;
  org_id?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  [claim: string]: unknown;
}

export const clockSkewSeconds = 30;
const minimumSecretLength = 32;

/** The secret as key bytes; refuses secrets PostgREST would refuse. */
export function secretKey(secret: string): Uint8Array {
  if (secret.length < minimumSecretLength) {
    throw new Error(
      `The JWT secret must be at least ${minimumSecretLength} characters long but has ${secret.length}`,
    );
  }
  return new TextEncoder().encode(secret);
}

function jwtDecodeError(message: string): ApiError {
  return new ApiError(401, "PGRST301", message, { headers: invalidTokenHeader(message) });
}

function jwtClaimsError(message: string): ApiError {
  return new ApiError(401, "PGRST303", message, { headers: invalidTokenHeader(message) });
}

function invalidTokenHeader(message: string): Record<string, string> {
  return {
    "www-authenticate": `Bearer error="invalid_token", error_description=${
      JSON.stringify(message)
    }`,
  };
}

/**
 * The claims of the request's bearer token: `undefined` when the request has none (anon),
 * an ApiError (401) when it has one that does not verify.
 */
export async function claimsFromAuthorization(
  authorization: string | null,
  key: Uint8Array,
): Promise<JwtClaims | undefined> {
  if (authorization === null) return undefined;
  const match = /^bearer(?:\s+(.*))?$/is.exec(authorization.trim());
  if (!match) return undefined; // another scheme (e.g. Basic) is not ours to judge
  const token = (match[1] ?? "").trim();
  if (token === "") throw jwtDecodeError("Empty JWT is sent in Authorization header");
  return await verifyJwt(token, key);
}

/** Verifies an HS256 token and returns its claims, or throws a 401 ApiError. */
export async function verifyJwt(token: string, key: Uint8Array): Promise<JwtClaims> {
  const parts = token.split(".").length;
  if (parts !== 3) throw jwtDecodeError(`Expected 3 parts in JWT; got ${parts}`);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      clockTolerance: clockSkewSeconds,
    }));
  } catch (error) {
    throw jwtErrorFor(error);
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.iat === "number" && payload.iat > now + clockSkewSeconds) {
    throw jwtClaimsError("JWT issued at future");
  }
  if (payload.role !== undefined && (typeof payload.role !== "string" || payload.role === "")) {
    throw jwtClaimsError("Parsing claims failed");
  }
  return payload as JwtClaims;
}

function jwtErrorFor(error: unknown): ApiError {
  if (error instanceof errors.JWTExpired) return jwtClaimsError("JWT expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (error.reason === "check_failed" && claim === "nbf") {
      return jwtClaimsError("JWT not yet valid");
    }
    if (claim === "exp" || claim === "nbf" || claim === "iat") {
      return jwtClaimsError(`The JWT '${claim}' claim must be a number`);
    }
    return jwtClaimsError("Parsing claims failed");
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return jwtDecodeError("Wrong or unsupported encoding algorithm");
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return jwtDecodeError("JWT cryptographic operation failed");
  }
  return jwtDecodeError("JWT couldn't be decoded");
}

/**
 * Signs claims with HS256: for tests and for the server's own sessions. `expiresIn` is in
 * seconds (default one hour); pass `expiresIn: null` to leave `exp` as given in the claims.
 */
export async function signJwtWith(
  claims: JwtClaims,
  secret: string,
  options: { expiresIn?: number | null } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const body: JwtClaims = { iat: now, ...claims };
  const expiresIn = options.expiresIn === undefined ? 3600 : options.expiresIn;
  if (expiresIn !== null && claims.exp === undefined) body.exp = now + expiresIn;
  return await new SignJWT(body).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(
    secretKey(secret),
  );
}
