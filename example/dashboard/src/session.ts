/**
 * Who is signed in, read from the sign-in token (a JWT) the app's identity provider issues.
 * The claims are the ones `convex/auth.ts` reads: `sub` names the user, `tenantId` their
 * tenant, `role: "admin"` a tenant admin. The page only uses them to fill in forms: the
 * deployment checks the token itself on every call.
 */
import type { Session } from "./data.js";

function decodeBase64Url(segment: string): string {
  const base64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), "=");
  const bytes = Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * The session a sign-in token stands for, or an error saying what the token lacks.
 * @param token A JWT: three base64url segments separated by dots.
 */
export function sessionFromToken(token: string): Session {
  const payload = token.trim().split(".")[1];
  if (payload === undefined) {
    throw new Error("This is not a sign-in token: expected a JWT (three parts separated by dots).");
  }
  let claims: unknown;
  try {
    claims = JSON.parse(decodeBase64Url(payload));
  } catch {
    throw new Error("This sign-in token's claims cannot be read: copy the whole token again.");
  }
  if (typeof claims !== "object" || claims === null) {
    throw new Error("This sign-in token has no claims.");
  }
  const { sub, tenantId, role } = claims as Record<string, unknown>;
  if (typeof sub !== "string" || sub === "") {
    throw new Error("This sign-in token names no user (no `sub` claim).");
  }
  if (typeof tenantId !== "string" || tenantId === "") {
    throw new Error("This sign-in token has no tenantId claim: ask your identity provider's admin to add it.");
  }
  return { tenantId, userId: sub, isAdmin: role === "admin" };
}
