// A real, certified OpenID provider for the tests (the npm package oidc-provider), with its
// development login page: any login signs in, and the login becomes `sub`. Email and profile
// claims are in UserInfo, not in the ID token, as this provider does by default.
//
//   OIDC_PORT=4100 OIDC_REDIRECT_URI=http://127.0.0.1:8080/d/x/sso/callback node oidc-provider.mjs
//
// Prints "ready <issuer>" once it listens. The client is `homeroom`, secret `test-secret`.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const redirect = process.env.OIDC_REDIRECT_URI;
if (!port || !redirect) {
  console.error('OIDC_PORT and OIDC_REDIRECT_URI are required');
  process.exit(2);
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'homeroom',
    client_secret: 'test-secret',
    redirect_uris: redirect.split(','),
    // After it signs someone out at the portal's asking, back to the portals' login pages.
    post_logout_redirect_uris: redirect.split(',').flatMap((uri) =>
      ['student', 'teacher', 'staff'].map((portal) => uri.replace(/\/sso\/callback$/, `/${portal}`))),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username', 'name'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: id.includes('@') ? id : `${id}@example.org`,
          email_verified: true,
          preferred_username: id.split('@')[0],
          name: id,
        };
      },
    };
  },
});
provider.proxy = false;
const server = provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
