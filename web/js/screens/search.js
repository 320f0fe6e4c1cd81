// Search results (/search): procedures and knowledge articles, highlights kept as <mark> only.
import { h, highlighted } from '../dom.js';
import { t } from '../i18n.js';
import { searchForm } from './home.js';

export async function render(main, context) {
  const q = new URLSearchParams(window.location.search).get('q') || '';
  main.append(h('h1', {}, t('search.title')), searchForm(context, q));
  if (!q) return;
  const found = await context.api.get('/search', { q, per_page: 10 });
  main.append(h('p', { role: 'status' }, t('search.count', { n: found.total, q })));
  main.append(h('ol', { class: 'results' }, found.results.map((hit) => h('li', { class: 'card' },
    h('h2', {}, highlighted(hit.title_html)),
    h('p', { class: 'meta' }, t(`search.kind.${hit.kind}`)),
    h('p', {}, highlighted(hit.snippet_html)),
    hit.kind === 'procedure' && hit.theme
      ? h('a', { href: '/nouvelle-demande', 'data-link': true }, t('search.file')) : null))));
}
