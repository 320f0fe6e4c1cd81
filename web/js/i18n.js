// Strings of the portal, French by default, English available: web/i18n/<lang>.json.
// t('key', {n: 2}) replaces {n}; a missing key shows the key itself (a visible bug, not a blank).
const LANGUAGES = ['fr', 'en'];
const STORAGE_KEY = 'cityzen.lang'; // only the chosen language is kept, never anything personal
let strings = {};
let language = 'fr';

export function currentLanguage() {
  return language;
}

export function otherLanguage() {
  return language === 'fr' ? 'en' : 'fr';
}

export async function loadLanguage(wanted) {
  const code = LANGUAGES.includes(wanted) ? wanted : 'fr';
  const response = await fetch(`/i18n/${code}.json`);
  if (!response.ok) throw new Error(`i18n ${code}: ${response.status}`);
  strings = await response.json();
  language = code;
  document.documentElement.lang = code; // WCAG 3.1.1: the page's language follows the switch
  try { localStorage.setItem(STORAGE_KEY, code); } catch { /* private mode: not kept */ }
  return code;
}

export function preferredLanguage() {
  try {
    const kept = localStorage.getItem(STORAGE_KEY);
    if (LANGUAGES.includes(kept)) return kept;
  } catch { /* ignore */ }
  return 'fr';
}

export function t(key, vars = {}) {
  const text = strings[key];
  if (typeof text !== 'string') return key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

// A label the API gives in both languages ({label_fr, label_en} or {fr, en}).
export function pick(item, base = 'label') {
  if (!item) return '';
  return item[`${base}_${language}`] ?? item[language] ?? item[`${base}_fr`] ?? item.fr ?? '';
}

// Static markup: data-i18n sets the text, data-i18n-aria the aria-label.
export function translateStatic(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-aria]')) {
    node.setAttribute('aria-label', t(node.dataset.i18nAria));
  }
  document.title = t('title');
}

export function formatDate(value, withTime = false) {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const options = withTime
    ? { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Paris' }
    : { dateStyle: 'long', timeZone: 'Europe/Paris' };
  return new Intl.DateTimeFormat(language === 'fr' ? 'fr-FR' : 'en-GB', options).format(date);
}
