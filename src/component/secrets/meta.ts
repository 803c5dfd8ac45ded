/** What the secrets queries return: which secrets are stored, never their values. */
import { v, type Infer } from "convex/values";
import { vSecretsPresence } from "../validators.js";

export const vAgentSecretsMeta = v.object({
  tenantId: v.string(),
  userId: v.string(),
  updatedAt: v.number(),
  keyId: v.string(),
  ...vSecretsPresence.fields,
});
export type AgentSecretsMeta = Infer<typeof vAgentSecretsMeta>;

export const vCompanySecretsMeta = v.object({
  tenantId: v.string(),
  updatedAt: v.number(),
  keyId: v.string(),
  ...vSecretsPresence.fields,
});
export type CompanySecretsMeta = Infer<typeof vCompanySecretsMeta>;
