// Home: the search box (type-ahead from /search/suggestions, popular searches from
// /search/popular), the town's news (/news) and agenda (/agenda).
import { h } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { combobox } from '../combobox.js';

export function searchForm(context, value = '') {
  const input = h('input', { id: 'q', name: 'q', type: 'search', value, maxlength: 200 });
  const form = h('form', {
    role: 'search',
    class: 'search-form',
    onsubmit: (event) => {
      event.preventDefault();
      const q = input.value.trim();
      if (q) context.navigate(`/recherche?q=${encodeURIComponent(q)}`);
    },
  },
  h('label', { for: 'q', id: 'q-label' }, t('search.label')),
  h('div', { class: 'combo' }, input),
  h('button', { type: 'submit', class: 'button' }, t('search.submit')));
  combobox({
    input,
    suggest: async (q) => {
      const found = await context.api.get('/search/suggestions', { q, limit: 6 });
      return found.suggestions.map((s) => ({ label: s.title, value: s }));
    },
    choose: (option) => context.navigate(`/recherche?q=${encodeURIComponent(option.label)}`),
  });
  return form;
}

function feedList(items, dated) {
  if (!items.length) return h('p', {}, t('home.empty'));
  return h('ul', { class: 'cards' }, items.map((item) => h('li', { class: 'card' },
    h('h3', {}, item.link ? h('a', { href: item.link, rel: 'noopener' }, item.title) : item.title),
    h('p', { class: 'meta' }, dated(item)),
    item.summary_text ? h('p', {}, item.summary_text) : null)));
}

export async function render(main, context) {
  main.append(h('h1', {}, t('home.title')), searchForm(context));
  const popular = h('section', { 'aria-labelledby': 'popular-title' },
    h('h2', { id: 'popular-title' }, t('home.popular')));
  const news = h('section', { 'aria-labelledby': 'news-title' },
    h('h2', { id: 'news-title' }, t('home.news')));
  const agenda = h('section', { 'aria-labelledby': 'agenda-title' },
    h('h2', { id: 'agenda-title' }, t('home.agenda')));
  main.append(popular, h('div', { class: 'columns' }, news, agenda));
  const [top, newsPage, agendaPage] = await Promise.all([
    context.api.get('/search/popular', { limit: 5 }).catch(() => ({ searches: [] })),
    context.api.get('/news', { page_size: 4 }),
    context.api.get('/agenda', { page_size: 4 }),
  ]);
  popular.append(top.searches.length
    ? h('ul', { class: 'chips' }, top.searches.map((s) => h('li', {},
      h('a', { href: `/recherche?q=${encodeURIComponent(s.query)}`, 'data-link': true }, s.query))))
    : h('p', {}, t('home.empty')));
  news.append(feedList(newsPage.items, (item) => formatDate(item.published)));
  agenda.append(feedList(agendaPage.items, (item) => [
    formatDate(item.start, !item.all_day), item.place ? ` · ${item.place}` : ''].join('')));
}
