// A real OpenID Connect provider for the browser tests (the `oidc-provider` package, certified OIDC), so the
// sign-in test exercises the same code path as a company IdP: discovery, authorization code + PKCE + state,
// a signed ID token, the token endpoint with client_secret_basic, and userinfo.
//
// Run by e2e/global-setup.ts as its own process (so the teardown can stop it by PID):
//   OIDC_PORT=4010 OIDC_REDIRECT_URI=http://127.0.0.1:3100/api/auth/callback/oidc node e2e/oidc-server.mjs
// It prints one line `{"ready":true,"issuer":...}` on stdout once it listens.
//
// The login page is oidc-provider's built-in development form (devInteractions): type an account's email as
// the login and any password. Only the accounts below exist at this IdP.
import { randomBytes } from "node:crypto";
import http from "node:http";
import Provider from "oidc-provider";

export const OIDC_CLIENT_ID = "warrant-e2e";

/**
 * People known to the test IdP: Priya and Hannah are also known to Warrant; nobody@ is known only to the IdP.
 * Hannah is not a demo account (the demo sign-in refuses her); e2e/security-http.spec.ts deprovisions her.
 */
export const OIDC_ACCOUNTS = {
  "priya.nair@halcyon.example": { name: "Priya Nair" },
  "hannah.lindqvist@halcyon.example": { name: "Hannah Lindqvist" },
  "nobody@halcyon.example": { name: "Nobody Known" },
};

/**
 * Starts the provider on 127.0.0.1:<port>. Returns the issuer URL and a close function.
 * @param {{ port: number, redirectUri: string, clientId?: string, clientSecret: string }} opts
 */
export async function startOidcServer({ port, redirectUri, clientId = OIDC_CLIENT_ID, clientSecret }) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    // The login form accepts any login; the login is the accountId, and only known emails resolve.
    async findAccount(_ctx, id) {
      const email = String(id).trim().toLowerCase();
      const account = OIDC_ACCOUNTS[email];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email, email_verified: true, name: account.name };
        },
      };
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
  });
  const server = http.createServer(provider.callback());
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(undefined));
  });
  return {
    issuer,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

const isMain = import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const port = Number(process.env.OIDC_PORT);
  const redirectUri = process.env.OIDC_REDIRECT_URI;
  const clientSecret = process.env.OIDC_CLIENT_SECRET;
  if (!port || !redirectUri || !clientSecret) {
    console.error("oidc-server: set OIDC_PORT, OIDC_REDIRECT_URI and OIDC_CLIENT_SECRET");
    process.exit(2);
  }
  const { issuer, close } = await startOidcServer({
    port,
    redirectUri,
    clientId: process.env.OIDC_CLIENT_ID || OIDC_CLIENT_ID,
    clientSecret,
  });
  console.log(JSON.stringify({ ready: true, issuer }));
  const stop = () => close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
