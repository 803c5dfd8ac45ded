/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The deployment the dashboard talks to; unset means the in-memory data layer. */
  readonly VITE_CONVEX_URL?: string;
}
