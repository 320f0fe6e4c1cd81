// The ARIA 1.2 combobox pattern with a listbox popup (WAI-ARIA Authoring Practices, "Combobox"):
// the focus stays in the input; ArrowDown/ArrowUp move the active option (aria-activedescendant),
// Enter chooses it, Escape closes the list; suggestions arrive as the citizen types (debounced)
// and their count is announced. Used by the search box and by the address field.
import { h, clear, announce, uid } from './dom.js';
import { t } from './i18n.js';

export function combobox({ input, suggest, choose, minLength = 2, delay = 200 }) {
  const listId = uid('listbox');
  const list = h('ul', { id: listId, role: 'listbox', class: 'listbox', hidden: true });
  if (input.id) list.setAttribute('aria-labelledby', `${input.id}-label`);
  input.after(list);
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', listId);
  input.setAttribute('autocomplete', 'off');
  let options = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (index) => {
    active = index;
    for (const [n, node] of [...list.children].entries()) {
      node.setAttribute('aria-selected', n === index ? 'true' : 'false');
    }
    if (index >= 0) input.setAttribute('aria-activedescendant', list.children[index].id);
    else input.removeAttribute('aria-activedescendant');
  };
  const pickOption = (index) => {
    const option = options[index];
    if (!option) return;
    input.value = option.label;
    close();
    choose(option);
  };
  const render = (found) => {
    options = found;
    clear(list);
    for (const [n, option] of found.entries()) {
      list.append(h('li', {
        id: `${listId}-${n}`,
        role: 'option',
        'aria-selected': 'false',
        onmousedown: (event) => { event.preventDefault(); pickOption(n); },
      }, option.label));
    }
    if (found.length) {
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    } else close();
    announce(t('combobox.count', { n: found.length }));
  };

  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < minLength) { close(); return; }
    timer = window.setTimeout(async () => {
      const ticket = ++asked;
      try {
        const found = await suggest(text);
        if (ticket === asked) render(found); // an older, slower answer never wins
      } catch {
        if (ticket === asked) render([]);
      }
    }, delay);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && options.length) {
      event.preventDefault();
      if (list.hidden) { list.hidden = false; input.setAttribute('aria-expanded', 'true'); }
      highlight((active + 1) % options.length);
    } else if (event.key === 'ArrowUp' && options.length) {
      event.preventDefault();
      highlight(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === 'Enter' && !list.hidden && active >= 0) {
      event.preventDefault();
      pickOption(active);
    } else if (event.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', () => window.setTimeout(close, 150));
  return { close };
}
