import { useEffect, useMemo, useState, type FormEvent } from "react";
import { App } from "./App.js";
import { createConvexFleet } from "./convexData.js";
import { FleetRoot } from "./data.js";
import { sessionFromToken } from "./session.js";

/**
 * Asks for the sign-in token the deployment's identity provider issued (a JWT with `sub`
 * and `tenantId` claims, as `convex/auth.ts` expects). A host app with a provider SDK wires
 * the token in instead: `client.setAuth(() => getToken())`.
 */
function SignIn(props: { url: string; problem: string | null; onToken: (token: string) => void }) {
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState(props.problem);

  function submit(event: FormEvent) {
    event.preventDefault();
    try {
      sessionFromToken(token);
      props.onToken(token.trim());
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  }

  return (
    <form className="card form sign-in" onSubmit={submit}>
      <h1>Agent fleet</h1>
      <p className="muted">
        Deployment <code>{props.url}</code>
      </p>
      <label>
        Sign-in token (JWT)
        <textarea value={token} onChange={(event) => setToken(event.target.value)} rows={4} required />
      </label>
      <button type="submit">Sign in</button>
      {problem !== null && (
        <div className="notice notice-error" role="alert">
          {problem}
        </div>
      )}
    </form>
  );
}

/** The dashboard on a real deployment: sign in, then the example app's functions live. */
export function LiveDashboard(props: { url: string }) {
  const { url } = props;
  const [token, setToken] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const fleet = useMemo(
    () =>
      token === null
        ? null
        : createConvexFleet({
            url,
            token,
            onTokenRejected: () => {
              setToken(null);
              setProblem(
                "The deployment refused this token: it may have expired, or its issuer is not in convex/auth.config.ts.",
              );
            },
          }),
    [url, token],
  );
  useEffect(() => () => void fleet?.close(), [fleet]);

  if (fleet === null) return <SignIn key={problem} url={url} problem={problem} onToken={setToken} />;
  return (
    <FleetRoot fleet={fleet}>
      <App />
    </FleetRoot>
  );
}
