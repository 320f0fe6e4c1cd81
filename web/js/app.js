// The portal's entry point: configuration, language, sign-in callback, then a small router over
// the History API (the server answers index.html for these paths: staticwebapp.config.json's
// navigationFallback, and the local host's). Each screen is a module exporting
// render(main, context, params); `context` carries the API client, auth and configuration.
import { Api, ApiUnavailable } from './api.js';
import { Auth } from './auth.js';
import { h, clear } from './dom.js';
import { loadLanguage, otherLanguage, preferredLanguage, t, translateStatic } from './i18n.js';
import * as home from './screens/home.js';
import * as search from './screens/search.js';
import * as stepper from './screens/new-request.js';
import * as mine from './screens/mine.js';
import * as ticket from './screens/ticket.js';
import * as desk from './screens/desk.js';
import * as dashboard from './screens/dashboard.js';

const ROUTES = [
  [/^\/$/, home, 'nav.home'],
  [/^\/recherche$/, search, 'nav.search'],
  [/^\/nouvelle-demande$/, stepper, 'nav.new'],
  [/^\/mes-demandes$/, mine, 'nav.mine'],
  [/^\/mes-demandes\/([0-9a-f-]{36})$/, mine, 'nav.mine'],
  [/^\/demande\/([0-9a-f-]{36})$/, ticket, 'nav.new'],
  // The agents' pages (embedded mode: config.json's `agents`; docs/desk.md).
  [/^\/desk$/, desk, 'nav.desk'],
  [/^\/desk\/(CAS-[A-Za-z0-9-]{1,60})$/, desk, 'nav.desk'],
  [/^\/dashboard$/, dashboard, 'nav.dashboard'],
];

const context = { stop: [] };

function renderAccount() {
  const box = clear(document.getElementById('account'));
  const user = context.auth.user;
  if (user) {
    const name = user.given_name ? `${user.given_name} ${user.family_name || ''}` : user.email;
    box.append(
      h('span', { class: 'who' }, t('account.signed_in', { name: (name || '').trim() })),
      h('button', { type: 'button', class: 'link-button', onclick: () => context.auth.signOut() },
        t('account.sign_out')),
    );
  }
}

export function signInButtons(returnTo) {
  return h('div', { class: 'signin-buttons' }, context.config.providers.map((provider) => h(
    'button',
    {
      type: 'button',
      class: `button provider-${provider.id}`,
      onclick: async () => {
        try {
          await context.auth.signIn(provider.id, returnTo);
        } catch {
          context.alert(t('signin.unavailable'));
        }
      },
    },
    provider.label[document.documentElement.lang] || provider.label.fr,
  )));
}

function alertBox(text) {
  const main = document.getElementById('main');
  let box = main.querySelector(':scope > .alert');
  if (!box) {
    box = h('div', { class: 'alert', role: 'alert' });
    main.prepend(box);
  }
  box.textContent = text;
}

export function navigate(path, { replace = false } = {}) {
  if (replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  route();
}

async function route() {
  for (const stop of context.stop.splice(0)) stop(); // pollers of the previous screen
  const main = clear(document.getElementById('main'));
  const path = window.location.pathname;
  const found = ROUTES.find(([pattern]) => pattern.test(path));
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.getAttribute('href') === (found ? `/${path.split('/')[1]}` : null)) {
      link.setAttribute('aria-current', 'page');
    } else link.removeAttribute('aria-current');
  }
  if (!found) {
    main.append(h('h1', {}, t('notfound.title')), h('p', {}, t('notfound.text')));
    document.title = `${t('notfound.title')} — ${t('title')}`;
    return;
  }
  const [pattern, screen, titleKey] = found;
  document.title = `${t(titleKey)} — ${t('title')}`;
  try {
    await screen.render(main, context, path.match(pattern).slice(1));
  } catch (error) {
    alertBox(error instanceof ApiUnavailable ? t('errors.unavailable') : t('errors.unexpected'));
  }
}

async function start() {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  context.config = await response.json();
  context.auth = new Auth(context.config);
  context.api = new Api(context.config.api, () => context.auth.accessToken);
  if (context.config.agents) {
    // The agents' pages sign in at another issuer with their own client: a second Auth, its
    // tokens apart from the citizen's, and the desk API on this origin.
    const agents = context.config.agents;
    context.agents = new Auth({
      client_id: agents.client_id,
      scope: agents.scope,
      redirect_path: agents.redirect_path,
      providers: [{ id: 'agents', issuer: agents.issuer, silent_reauth: false }],
    }, { keyPrefix: 'cityzen.agents', endSession: false });
    context.deskApi = new Api(agents.desk_api, () => context.agents.accessToken);
    context.statsApi = new Api(context.config.api, () => context.agents.accessToken);
    for (const item of document.querySelectorAll('.agents-only')) item.hidden = false;
  }
  context.alert = alertBox;
  context.navigate = navigate;
  context.signInButtons = signInButtons;
  await loadLanguage(preferredLanguage());
  translateStatic();
  const lang = document.getElementById('lang');
  const labelLanguage = () => {
    const other = otherLanguage();
    lang.textContent = other === 'en' ? 'English' : 'Français';
    lang.setAttribute('lang', other);
  };
  labelLanguage();
  lang.addEventListener('click', async () => {
    await loadLanguage(otherLanguage());
    translateStatic();
    labelLanguage();
    renderAccount();
    route();
  });
  context.auth.onChange(renderAccount);
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[data-link]');
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    navigate(link.getAttribute('href'));
    document.getElementById('main').focus(); // a new screen: focus where it starts
  });
  window.addEventListener('popstate', route);
  const returning = [context.auth, context.agents].find((auth) => auth?.isCallback());
  if (returning) {
    try {
      const next = await returning.completeSignIn();
      window.history.replaceState(null, '', next);
    } catch {
      window.history.replaceState(null, '', '/');
      await route();
      alertBox(t('signin.failed'));
      return;
    }
  } else {
    const silent = context.auth.silentCandidate();
    if (silent) {
      try {
        const here = window.location.pathname + window.location.search;
        await context.auth.signIn(silent, here, { silent: true });
        return; // the page leaves for the provider and comes back signed in, or not
      } catch { /* the provider is unreachable: carry on signed out */ }
    }
  }
  renderAccount();
  await route();
}

start().catch(() => {
  // No configuration or strings (the server is down, or config.json is broken): say so in both
  // languages, since the strings themselves may be what failed to load.
  const main = clear(document.getElementById('main'));
  main.append(h('div', { class: 'alert', role: 'alert' },
    h('p', {}, 'Le portail ne peut pas démarrer : réessayez dans un instant.'),
    h('p', { lang: 'en' }, 'The portal cannot start: try again in a moment.')));
});
