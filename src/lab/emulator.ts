// The contract every lab emulator returns, and what `fwcert lab` and the tests rely on.
export interface EmulatorHandle {
  name: string;
  /** API origin, e.g. https://127.0.0.1:PORT */
  url: string;
  /** Data-plane TLS ports, "127.0.0.1:PORT" (FDM: ravpn, webui; PAN-OS: gp-portal). */
  services: Record<string, string>;
  /** The emulator's own HTTPS certificate (PEM). */
  certPem: string;
  /** Same JSON as GET /__lab/state. */
  state(): unknown;
  /** Same as POST /__lab/knobs (JSON merge). */
  setKnobs(k: object): void;
  close(): Promise<void>;
}
