// A real OpenID Connect provider for the sign-in browser tests: the OpenID-certified
// `oidc-provider` package (pinned in package.json) on 127.0.0.1, with a login form that checks
// passwords and an automatic consent (the app is a first-party client).
//
// Started by tests/e2e/idp.py as `node provider.mjs CONFIG.json`; CONFIG holds
//   {"port": 0, "client": {client_id, client_secret, redirect_uris, post_logout_redirect_uris},
//    "accounts": [{"id", "password", "name", "email", "groups": [...]}]}
// It prints `listening <port>` on stdout once it answers. Nothing here loads from another host.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = new Map(config.accounts.map((a) => [a.id, a]));

const page = (title, body) => `<!DOCTYPE html><html><head><meta charset="utf-8">
<title>${title}</title></head><body style="font-family:sans-serif;max-width:28em;margin:3em auto">
<h1>Hospital sign-in (test provider)</h1>${body}</body></html>`;
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const loginForm = (uid, message) => page('Sign in', `
${message ? `<p id="error" role="alert" style="color:#b00">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login" autocomplete="off">
<label>User name <input name="login" autofocus></label><br><br>
<label>Password <input name="password" type="password"></label><br><br>
<button type="submit">Sign in</button></form>`);

let issuer;  // known once the server listens (port 0 = a free port)

function makeProvider(port) {
  issuer = `http://127.0.0.1:${port}`;
  return new Provider(issuer, {
    clients: [{ ...config.client, grant_types: ['authorization_code'],
      response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' }],
    cookies: { keys: ['relapse-explorer-test-provider'] },
    claims: { openid: ['sub'], email: ['email'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    conformIdTokenClaims: false,  // the app reads name, email and groups from the ID token
    features: { devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true,
        // Sign-out confirms itself (a test provider); no page loads fonts from other hosts.
        logoutSource: async (ctx, form) => {
          ctx.body = page('Signing out', `${form}<p>Signing out…</p><script>
            const f = document.getElementById('op.logoutForm');
            const yes = document.createElement('input');
            yes.type = 'hidden'; yes.name = 'logout'; yes.value = 'yes'; f.appendChild(yes);
            f.submit();</script>`);
        },
        postLogoutSuccessSource: async (ctx) => { ctx.body = page('Signed out', '<p>Signed out.</p>'); },
      } },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Error', `<p id="error">${escape(out.error)}: ${escape(out.error_description || '')}</p>`);
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (ctx, id) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id,
        claims: async () => ({ sub: id, name: account.name, email: account.email,
          groups: account.groups }) };
    },
  });
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

const server = createServer();
server.listen(config.port || 0, '127.0.0.1', () => {
  const port = server.address().port;
  const provider = makeProvider(port);
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
    if (!match) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        if (req.method !== 'POST') return send(res, 200, loginForm(details.uid));
        const form = await readForm(req);
        const account = accounts.get(form.get('login'));
        if (!account || account.password !== form.get('password')) {
          return send(res, 200, loginForm(details.uid, 'Wrong user name or password.'));
        }
        return provider.interactionFinished(req, res, { login: { accountId: account.id } },
          { mergeWithLastSubmission: false });
      }
      // consent: a first-party app, granted what it asked for
      const grant = details.grantId ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId,
          clientId: details.params.client_id });
      const missing = details.prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } },
        { mergeWithLastSubmission: true });
    } catch (error) {
      return send(res, 400, page('Error', `<p id="error">${escape(error.message)}</p>`));
    }
  });
  process.stdout.write(`listening ${port}\n`);
});
