// A local OpenID Connect provider for the workspace's end-to-end test of single sign-on
// (panva's oidc-provider with its development login and consent pages, which accept any login).
// The account name decides the claims: `fremd` belongs to no publisher of the catalogue, `admin`
// is an administrator, any other name edits for stadt-wuppertal-402.
//
//   OIDC_PORT=9090 OIDC_REDIRECT=http://127.0.0.1:8080/verwaltung/oidc node oidc-provider.mjs

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 9090);
const redirect = process.env.OIDC_REDIRECT;
if (!redirect) {
  console.error('oidc-provider.mjs: set OIDC_REDIRECT to the workspace callback');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const publisherOf = (id) => ({ fremd: 'kein-datenbereitsteller', admin: 'odcat-admin' }[id] || 'stadt-wuppertal-402');

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'odcat-e2e',
    client_secret: 'odcat-e2e-secret',
    redirect_uris: [redirect],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'odcat_publisher'] },
  // The claims go into the ID token (odcat reads the publisher claim there).
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({
      sub: id, email: `${id}@stadt.wuppertal.de`, email_verified: true, name: id, odcat_publisher: publisherOf(id),
    }),
  }),
});
provider.listen(port, () => console.log(`oidc provider at ${issuer}`));
