// newproj's test OpenID Connect provider: node-oidc-provider configured for loopback tests.
//
// Usage: node server.mjs CONFIG.json   (written by tests/support/oidc.py)
// It listens on 127.0.0.1 on a port the kernel picks, then writes {"issuer": ...} to
// config.ready_file. Accounts live in memory; login and consent are plain HTML forms here.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const users = new Map(config.users.map((user) => [user.username, user]));
const pkceRequiredFor = new Set(config.clients.filter((c) => c.require_pkce).map((c) => c.client_id));

function html(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${html(title)}</title></head>`
    + `<body><main><h1>${html(title)}</h1>${body}</main></body></html>`;
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

function clientMetadata(client) {
  const metadata = {
    client_id: client.client_id,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris,
    grant_types: client.grant_types,
    response_types: client.redirect_uris.length ? ['code'] : [],
    token_endpoint_auth_method: client.token_endpoint_auth_method,
  };
  if (client.client_secret !== null) metadata.client_secret = client.client_secret;
  return metadata;
}

async function findAccount(ctx, sub) {
  const user = users.get(sub);
  if (!user) return undefined;
  return {
    accountId: sub,
    async claims() {
      return {
        sub,
        email: user.email,
        email_verified: user.email_verified,
        name: user.name,
        preferred_username: user.username,
        groups: user.groups,
      };
    },
  };
}

// A test may ask for a short-lived access token (to prove expiry handling) with this form field.
function accessTokenTTL(ctx, token) {
  const asked = Number.parseInt(ctx?.oidc?.body?.newproj_expires_in ?? '', 10);
  if (Number.isInteger(asked) && asked > 0 && asked <= 3600) return asked;
  return token.resourceServer?.accessTokenTTL || config.resource.ttl;
}

function providerConfiguration() {
  return {
    clients: config.clients.map(clientMetadata),
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    findAccount,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    conformIdTokenClaims: false,
    pkce: { required: (ctx, client) => client.clientAuthMethod === 'none' || pkceRequiredFor.has(client.clientId) },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx, client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, indicator) => {
          if (indicator !== config.resource.audience) throw new errors.InvalidTarget();
          return {
            scope: config.resource.scope,
            audience: config.resource.audience,
            accessTokenTTL: config.resource.ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ttl: {
      AccessToken: accessTokenTTL,
      ClientCredentials: accessTokenTTL,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 86400,
      Interaction: 600,
      Session: 86400,
      Grant: 86400,
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<p id="error">${html(out.error)}: ${html(out.error_description ?? '')}</p>`);
    },
  };
}

async function logoutSource(ctx, form) {
  ctx.body = page('Sign out', `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = page('Signed out', '<p>You are signed out.</p>');
}

function loginForm(uid, params, error = '') {
  return page('Sign in', `${error ? `<p role="alert">${html(error)}</p>` : ''}
    <p>Client: ${html(params.client_id)}</p>
    <form method="post" action="/interaction/${html(uid)}/login">
      <label>Username <input name="username" autocomplete="username" required autofocus></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit" name="action" value="login">Sign in</button>
    </form>
    <form method="post" action="/interaction/${html(uid)}/abort"><button type="submit">Cancel</button></form>`);
}

function consentForm(uid, params, details) {
  const scopes = [...(details.missingOIDCScope ?? []), ...Object.values(details.missingResourceScopes ?? {}).flat()];
  return page('Allow access', `<p>${html(params.client_id)} asks for: <span id="scopes">${html(scopes.join(' '))}</span></p>
    <form method="post" action="/interaction/${html(uid)}/consent"><button type="submit">Allow</button></form>
    <form method="post" action="/interaction/${html(uid)}/abort"><button type="submit">Deny</button></form>`);
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(body);
}

async function grantConsent(provider, details) {
  const { prompt, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  return details.grantId ? {} : { grantId };
}

async function interaction(provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Sign-in error', '<p>Interaction mismatch.</p>'));
  if (req.method === 'GET') {
    const body = details.prompt.name === 'login'
      ? loginForm(uid, details.params)
      : consentForm(uid, details.params, details.prompt.details);
    return send(res, 200, body);
  }
  if (action === 'abort') {
    const result = { error: 'access_denied', error_description: 'The person cancelled the sign-in.' };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  if (action === 'login') {
    const form = await formBody(req);
    const user = users.get(form.get('username') ?? '');
    if (!user || user.password !== form.get('password')) {
      return send(res, 401, loginForm(uid, details.params, 'Wrong username or password.'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: user.username } }, { mergeWithLastSubmission: false });
  }
  if (action === 'consent' && details.prompt.name === 'consent') {
    const consent = await grantConsent(provider, details);
    return provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
  }
  return send(res, 400, page('Sign-in error', '<p>Unexpected step.</p>'));
}

function router(provider) {
  const oidc = provider.callback();
  return async (req, res) => {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|consent|abort))?$/.exec(req.url.split('?')[0]);
    if (!match) return oidc(req, res);
    try {
      return await interaction(provider, req, res, match[1], match[2]);
    } catch (error) {
      return send(res, 400, page('Sign-in error', `<p id="error">${html(error.message)}</p>`));
    }
  };
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, providerConfiguration());
  provider.on('server_error', (ctx, error) => console.error('server_error', error));
  server.on('request', router(provider));
  writeFileSync(`${config.ready_file}.tmp`, JSON.stringify({ issuer }));
  renameSync(`${config.ready_file}.tmp`, config.ready_file);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
