/**
 * Where the PostgreSQL connector connects, with its defaults, shared by the catalog (browser and server:
 * pure, no Node imports) and the connector, so both agree on what an unset setting means.
 *
 * sslmode follows libpq's names:
 *   disable      no TLS
 *   require      TLS, the certificate is not checked (protects against eavesdropping, not impersonation)
 *   verify-ca    TLS, the chain must lead to the configured CA (sslRootCertRef, required); any host name
 *   verify-full  TLS, the chain must lead to the CA (sslRootCertRef, or the public roots Node trusts) AND
 *                the certificate must name the host
 * Unset: `verify-full` for any host but a loopback one, `disable` for 127.0.0.1 / localhost (the demo
 * and the tests run a local cluster without TLS). A remote target without TLS needs an explicit
 * `sslmode: "disable"`, which, like every target setting, is a ledgered change shown to security.
 */

export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

export const PG_DEFAULT_HOST = "127.0.0.1";
export const PG_DEFAULT_PORT = 5432;

/** 127.0.0.0/8 and localhost: traffic that never leaves the machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || /^127(\.\d{1,3}){3}$/.test(h);
}

export function effectiveSslMode(host: string | undefined, sslmode: SslMode | undefined): SslMode {
  return sslmode ?? (isLoopbackHost(host || PG_DEFAULT_HOST) ? "disable" : "verify-full");
}
