/**
 * The dashboard's plain helpers: the words it shows for errors, and the session it reads
 * from a sign-in token. The page itself is tested in Chromium (dashboard.test.ts).
 */
import { ConvexError } from "convex/values";
import { describe, expect, test } from "vitest";
import { readableError } from "./src/errors.js";
import { sessionFromToken } from "./src/session.js";
import { imageGroups, shortDigest } from "./src/format.js";

describe("readableError", () => {
  test("a component error gets the headline for its kind, with the backend's message under it", () => {
    const error = new ConvexError({
      kind: "pairing_in_progress",
      message: "A pairing command is running on this machine.",
    });
    expect(readableError(error)).toEqual({
      title: "A pairing is already running on this agent",
      detail: "A pairing command is running on this machine.",
    });
  });

  test("a ConvexError with a string (the example app's auth errors) shows that string", () => {
    expect(readableError(new ConvexError("Not signed in: sign in to manage agents."))).toEqual({
      title: "Not signed in: sign in to manage agents.",
    });
  });

  test("a ConvexError with an unknown kind shows its message", () => {
    expect(readableError(new ConvexError({ kind: "brand_new", message: "Something new." }))).toEqual({
      title: "Something new.",
    });
  });

  test("a server error shows the thrown message without the client's prefix and stack", () => {
    const error = new Error(
      "[CONVEX A(agents:snapshot)] [Request ID: 3f2a] Server Error\nUncaught Error: No agent k57abc.\n    at handler (../convex/agents.ts:12:3)",
    );
    expect(readableError(error)).toEqual({ title: "No agent k57abc." });
    expect(readableError(new Error("[CONVEX A(agents:snapshot)] [Request ID: 3f2a] Server Error"))).toEqual({
      title: "Server Error",
    });
  });

  test("anything else thrown is shown as text", () => {
    expect(readableError("offline")).toEqual({ title: "offline" });
  });
});

describe("sessionFromToken", () => {
  /** base64url of the UTF-8 JSON, as a JWT encodes its parts. */
  const segment = (value: object) => {
    const bytes = new TextEncoder().encode(JSON.stringify(value));
    const base64 = btoa(String.fromCharCode(...bytes));
    return base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const token = (claims: object) => `${segment({ alg: "RS256", typ: "JWT" })}.${segment(claims)}.signature`;

  test("reads the user, tenant and role claims convex/auth.ts uses", () => {
    expect(sessionFromToken(token({ sub: "user_ada", tenantId: "acme", role: "admin" }))).toEqual({
      userId: "user_ada",
      tenantId: "acme",
      isAdmin: true,
    });
    expect(sessionFromToken(token({ sub: "user_grace", tenantId: "acme" })).isAdmin).toBe(false);
  });

  test("reads UTF-8 claims whose base64url differs from base64", () => {
    const claims = { sub: "Zoë>>>?", tenantId: "t" };
    expect(segment(claims)).toMatch(/[-_]/);
    expect(sessionFromToken(token(claims)).userId).toBe("Zoë>>>?");
  });

  test("says what a token lacks", () => {
    expect(() => sessionFromToken("not-a-jwt")).toThrow("expected a JWT");
    expect(() => sessionFromToken("a.%%%.c")).toThrow("cannot be read");
    expect(() => sessionFromToken(token({ tenantId: "acme" }))).toThrow("no `sub` claim");
    expect(() => sessionFromToken(token({ sub: "user_ada" }))).toThrow("no tenantId claim");
  });
});

describe("imageGroups", () => {
  test("groups live agents by image, most first, with the digests they run", () => {
    const agent = (id: string, image: string, imageDigest?: string, status: "running" | "deleted" = "running") => ({
      _id: id,
      userId: `u-${id}`,
      status,
      image,
      imageDigest,
    });
    const groups = imageGroups([
      agent("1", "openclaw:2026.1", "sha256:aa"),
      agent("2", "openclaw:2026.2", "sha256:bb"),
      agent("3", "openclaw:2026.2", "sha256:cc"),
      agent("4", "openclaw:2026.2"),
      agent("5", "openclaw:2026.0", "sha256:dd", "deleted"),
    ]);
    expect(groups.map((group) => [group.image, group.count, group.unknownDigest])).toEqual([
      ["openclaw:2026.2", 3, 1],
      ["openclaw:2026.1", 1, 0],
    ]);
    expect(groups[0].digests).toEqual([
      { digest: "sha256:bb", count: 1 },
      { digest: "sha256:cc", count: 1 },
    ]);
  });

  test("shortens a digest for people", () => {
    expect(shortDigest(`sha256:${"ab".repeat(32)}`)).toBe("sha256:abababababab");
  });
});
