// Who the user is and the bearer token every API call and the MQTT connection carry.
//   dev-token: the local stack's development token; `<token>.<role>` carries only that role, the bare token is admin.
//   oidc: authorization-code flow with PKCE (public client, no secret in a static site); the ID token is the bearer
//         because Cognito puts `cognito:groups` in the ID token, not in the access token.

export const roles = ['enforcement', 'supervisor', 'operator', 'admin'];
const devRoleKey = 'qj.devRole';
const tokenKey = 'qj.idToken';
const pkceKey = 'qj.pkce';

function base64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(byteCount = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(byteCount)));
}

/** The claims of a JWT, unverified: only to choose what to show. The API verifies the token. */
export function jwtClaims(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = decodeURIComponent(
      Array.from(atob(payload), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
    );
    return JSON.parse(json);
  } catch {
    return {};
  }
}

function rolesFromClaims(claims) {
  const raw = claims['cognito:groups'] ?? claims.groups ?? claims.roles ?? [];
  const list = Array.isArray(raw) ? raw : String(raw).split(/[\s,]+/);
  return list.filter((r) => roles.includes(r));
}

/** The redirect URI: this page without query or fragment (registered as the app client's callback URL). */
function redirectUri() {
  return `${location.origin}${location.pathname}`;
}

async function startOidcLogin(auth) {
  const verifier = randomString(48);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = randomString(16);
  sessionStorage.setItem(pkceKey, JSON.stringify({ verifier, state }));
  const url = new URL(auth.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: redirectUri(),
    scope: (auth.scopes ?? ['openid']).join(' '),
    state,
    code_challenge: base64url(digest),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
  // The page is leaving; never resolve so nothing renders half-signed-in.
  return new Promise(() => {});
}

async function exchangeCode(auth, code, state) {
  const saved = JSON.parse(sessionStorage.getItem(pkceKey) ?? 'null');
  sessionStorage.removeItem(pkceKey);
  if (!saved || saved.state !== state) throw new Error('state mismatch');
  const response = await fetch(auth.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: auth.clientId, code, redirect_uri: redirectUri(), code_verifier: saved.verifier }),
  });
  if (!response.ok) throw new Error(`token endpoint ${response.status}`);
  const body = await response.json();
  if (typeof body.id_token !== 'string') throw new Error('no id_token in the token response');
  return body.id_token;
}

function unexpired(token) {
  const exp = jwtClaims(token).exp;
  return typeof exp !== 'number' || exp * 1000 > Date.now() + 30_000;
}

/**
 * Resolves the session: { token, roles, name, kind, canSwitchRole, switchRole(role), logout() }.
 * With OIDC it may navigate away to the identity provider instead of resolving.
 */
export async function signIn(config) {
  const auth = config.auth ?? { kind: 'dev-token', token: 'local-dev-token' };
  if (auth.kind === 'dev-token') {
    const stored = sessionStorage.getItem(devRoleKey);
    const role = roles.includes(stored) ? stored : 'admin';
    return {
      kind: 'dev-token',
      token: role === 'admin' ? auth.token : `${auth.token}.${role}`,
      roles: [role],
      name: role,
      canSwitchRole: true,
      switchRole(next) {
        sessionStorage.setItem(devRoleKey, next);
        location.reload();
      },
      logout() {
        sessionStorage.removeItem(devRoleKey);
        location.reload();
      },
    };
  }
  if (auth.kind !== 'oidc') throw new Error(`unknown auth kind ${auth.kind}`);
  const params = new URLSearchParams(location.search);
  if (params.has('code')) {
    const token = await exchangeCode(auth, params.get('code'), params.get('state'));
    sessionStorage.setItem(tokenKey, token);
    history.replaceState(null, '', redirectUri() + location.hash);
  } else if (params.has('error')) {
    history.replaceState(null, '', redirectUri());
    throw new Error(params.get('error_description') ?? params.get('error'));
  }
  const token = sessionStorage.getItem(tokenKey);
  if (!token || !unexpired(token)) return startOidcLogin(auth);
  const claims = jwtClaims(token);
  return {
    kind: 'oidc',
    token,
    roles: rolesFromClaims(claims),
    name: claims.name ?? claims.email ?? claims['cognito:username'] ?? claims.sub ?? '',
    canSwitchRole: false,
    switchRole() {},
    logout() {
      sessionStorage.removeItem(tokenKey);
      if (auth.logoutEndpoint) {
        const url = new URL(auth.logoutEndpoint);
        url.search = new URLSearchParams({ client_id: auth.clientId, logout_uri: redirectUri() }).toString();
        location.assign(url.toString());
      } else location.reload();
    },
  };
}

/** What the session may see (admin sees everything), mirroring the route table's roles. */
export function can(session, role) {
  return session.roles.includes('admin') || session.roles.includes(role);
}
