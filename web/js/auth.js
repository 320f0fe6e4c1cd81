// Sign-in: OpenID Connect authorization code flow with PKCE S256 (RFC 7636), the provider found
// by discovery (OpenID Connect Discovery 1.0), for a public client in the browser ("OAuth 2.0
// for Browser-Based Apps"). What is kept where:
// - tokens: in this module's memory only — never localStorage, sessionStorage or a URL; a reload
//   forgets them, and the citizen signs in again (the draft is kept apart, in draft.js);
// - the PKCE verifier, state and nonce: sessionStorage, for the round trip only, removed as soon
//   as the callback reads them;
// - the code and state in the address bar after the callback: removed with history.replaceState.
// Checked on return: state (CSRF, RFC 6749 section 10.12), iss (mix-up, RFC 9207), then in the
// ID token: iss, aud, nonce (replay, OIDC Core section 3.1.3.7) and exp. The signature of the
// access token is the API's to verify; the ID token only names the citizen on screen.
// One Auth per client: the citizens' (config.json's top level) and, in embedded mode, the
// agents' pages' (config.json's `agents`: another issuer, client and redirect path), each with
// its own tokens and its own sessionStorage keys (`keyPrefix`), so that neither signs the other
// in or out.
const SILENT_ERRORS = ['login_required', 'interaction_required', 'consent_required',
  'account_selection_required'];

function base64url(bytes) {
  let text = '';
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomText(size = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

async function s256(verifier) {
  return base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
}

async function discover(issuer) {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
    credentials: 'omit',
  });
  if (!response.ok) throw new Error('discovery');
  const meta = await response.json();
  if (meta.issuer !== issuer) throw new Error('issuer'); // Discovery 1.0 section 4.3
  return meta;
}

function claimsOf(jwt) {
  const payload = jwt.split('.')[1] || '';
  const text = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

export class SignInError extends Error {}

export class Auth {
  // config: {client_id, scope, redirect_path, providers: [{id, issuer, silent_reauth}]}
  // endSession false: sign-out only forgets the tokens (the provider keeps no session to end).
  constructor(config, { keyPrefix = 'cityzen', endSession = true } = {}) {
    this.config = config;
    this.endSession = endSession;
    this.redirectUri = new URL(config.redirect_path, window.location.origin).toString();
    this.pendingKey = `${keyPrefix}.signin`;
    // Which provider was last used (its id, never a token): on reload, a silent
    // re-authentication (prompt=none, OIDC Core section 3.1.2.6) is tried with it when the
    // configuration says the provider keeps a session ("silent_reauth": true).
    this.lastKey = `${keyPrefix}.provider`;
    this.tokens = null; // {access_token, id_token, claims, provider, expires_at}: memory only
    this.listeners = new Set();
  }

  get accessToken() {
    const { tokens } = this;
    if (!tokens || tokens.expires_at <= Date.now()) return null;
    return tokens.access_token;
  }

  get user() {
    return this.tokens ? this.tokens.claims : null;
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  provider(id) {
    return this.config.providers.find((p) => p.id === id);
  }

  // Leaves the page for the provider's sign-in (or consent) page.
  async signIn(providerId, returnTo, { silent = false } = {}) {
    const provider = this.provider(providerId);
    if (!provider) throw new SignInError('provider');
    const meta = await discover(provider.issuer);
    const pending = {
      provider: provider.id,
      verifier: randomText(48),
      state: randomText(16),
      nonce: randomText(16),
      return_to: returnTo,
      silent,
    };
    sessionStorage.setItem(this.pendingKey, JSON.stringify(pending));
    const url = new URL(meta.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.config.client_id,
      redirect_uri: this.redirectUri,
      scope: this.config.scope,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await s256(pending.verifier),
      code_challenge_method: 'S256',
      ...(silent ? { prompt: 'none' } : {}),
    }).toString();
    window.location.assign(url.toString());
  }

  // On a reload (tokens are gone): the provider last used, if it may sign in silently; the
  // attempt is made once (the marker goes until the next interactive sign-in).
  silentCandidate() {
    const id = sessionStorage.getItem(this.lastKey);
    const provider = id && this.provider(id);
    if (!provider || !provider.silent_reauth) return null;
    sessionStorage.removeItem(this.lastKey);
    return provider.id;
  }

  isCallback() {
    return window.location.pathname === this.config.redirect_path;
  }

  // On the redirect URI: the code exchanged, the address bar cleaned; where to go next.
  async completeSignIn() {
    const query = new URLSearchParams(window.location.search);
    window.history.replaceState(null, '', '/'); // the code and state leave the address bar now
    const pending = JSON.parse(sessionStorage.getItem(this.pendingKey) || 'null');
    sessionStorage.removeItem(this.pendingKey); // single use, whatever happens next
    if (!pending || query.get('state') !== pending.state) throw new SignInError('state');
    if (pending.silent && SILENT_ERRORS.includes(query.get('error'))) {
      return pending.return_to || '/'; // no session there: the citizen signs in when needed
    }
    if (query.get('error')) throw new SignInError(query.get('error'));
    const provider = this.provider(pending.provider);
    if (!provider) throw new SignInError('provider');
    if (query.has('iss') && query.get('iss') !== provider.issuer) throw new SignInError('iss');
    const meta = await discover(provider.issuer);
    const response = await fetch(meta.token_endpoint, {
      method: 'POST',
      credentials: 'omit',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: query.get('code') || '',
        redirect_uri: this.redirectUri,
        client_id: this.config.client_id,
        code_verifier: pending.verifier,
      }),
    });
    if (!response.ok) throw new SignInError('token');
    const answer = await response.json();
    const claims = claimsOf(answer.id_token);
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (claims.iss !== provider.issuer) throw new SignInError('iss');
    if (!audiences.includes(this.config.client_id)) throw new SignInError('aud');
    if (claims.nonce !== pending.nonce) throw new SignInError('nonce');
    if (claims.exp * 1000 <= Date.now()) throw new SignInError('exp');
    this.tokens = {
      access_token: answer.access_token,
      id_token: answer.id_token,
      claims,
      provider: provider.id,
      expires_at: Date.now() + 1000 * Number(answer.expires_in || 300),
      end_session: meta.end_session_endpoint || null,
    };
    sessionStorage.setItem(this.lastKey, provider.id);
    for (const listener of this.listeners) listener();
    return pending.return_to || '/';
  }

  // Forget the tokens, then end the provider's session (RP-Initiated Logout 1.0) when it has
  // one: with client_id rather than id_token_hint, so that no token ever travels in a URL.
  signOut() {
    const ended = this.tokens;
    this.tokens = null;
    sessionStorage.removeItem(this.lastKey);
    for (const listener of this.listeners) listener();
    if (this.endSession && ended?.end_session) {
      const url = new URL(ended.end_session);
      url.search = new URLSearchParams({
        client_id: this.config.client_id,
        post_logout_redirect_uri: `${window.location.origin}/`,
      }).toString();
      window.location.assign(url.toString());
    }
  }
}
