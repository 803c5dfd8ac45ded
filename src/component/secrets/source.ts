/**
 * Where each secret of an agent comes from, in the one order both sides use: the component when
 * it resolves a stored-secrets call (secrets/resolve.ts), and exposeApi when it tells the host's
 * auth callback what that call will use (src/client/exposeApi.ts). If the two orders differed, an
 * approved call would be refused as `secrets_changed`, or a changed one let through.
 */
import { SECRET_FIELDS, type SecretField, type SecretsSource } from "../validators.js";

/** What is known of one secret's candidates, each a yes/no per field. */
export type SecretCandidates = {
  /** The call passes it as an argument (the host's value). */
  argument: (field: SecretField) => boolean;
  /** The user stored it. */
  user: (field: SecretField) => boolean;
  /** The tenant stored it among its defaults. */
  tenant: (field: SecretField) => boolean;
  /** A FLY_API_TOKEN is bound to the component: the last resort for `flyApiToken` only. */
  hostFlyToken: boolean;
};

/**
 * Each secret's source: an argument (host), else the user's stored secrets, else the tenant's
 * defaults, else, for `flyApiToken` only, the host's FLY_API_TOKEN. A field with none is in no list.
 * @returns `{ user, tenant, host }`, each a list of field names in SECRET_FIELDS' order.
 */
export function secretsSourceOf(candidates: SecretCandidates): SecretsSource {
  const source: SecretsSource = { user: [], tenant: [], host: [] };
  for (const field of SECRET_FIELDS) {
    if (candidates.argument(field)) source.host.push(field);
    else if (candidates.user(field)) source.user.push(field);
    else if (candidates.tenant(field)) source.tenant.push(field);
    else if (field === "flyApiToken" && candidates.hostFlyToken) source.host.push(field);
  }
  return source;
}
