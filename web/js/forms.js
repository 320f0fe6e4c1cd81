// Errors shown the same way wherever they come from (the page's own checks or a problem+json
// errors[] from the API): next to the field (aria-invalid, aria-describedby) and in a summary at
// the top of the form (role=alert, one link per error to its field), which takes the focus
// (RGAA 11.10 and 11.11; the GOV.UK / DSFR error summary pattern).
import { h, clear } from './dom.js';
import { t, currentLanguage } from './i18n.js';

export function clearErrors(form) {
  for (const node of form.querySelectorAll('.field-error')) node.remove();
  for (const field of form.querySelectorAll('[aria-invalid="true"]')) {
    field.removeAttribute('aria-invalid');
    const kept = (field.getAttribute('aria-describedby') || '')
      .split(' ')
      .filter((id) => id && !id.startsWith('err-'));
    if (kept.length) field.setAttribute('aria-describedby', kept.join(' '));
    else field.removeAttribute('aria-describedby');
  }
  const summary = form.querySelector('.error-summary');
  if (summary) clear(summary).hidden = true;
}

// errors: [{field: element id or null, message}]
export function showErrors(form, errors, title = null) {
  clearErrors(form);
  let summary = form.querySelector('.error-summary');
  if (!summary) {
    summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1' });
    form.prepend(summary);
  }
  const items = [];
  for (const error of errors) {
    const field = error.field ? form.querySelector(`#${CSS.escape(error.field)}`) : null;
    if (field) {
      const id = `err-${field.id}`;
      if (!form.querySelector(`#${CSS.escape(id)}`)) {
        const note = h('p', { id, class: 'field-error' }, error.message);
        (field.closest('.field') || field.parentElement).append(note);
        field.setAttribute('aria-invalid', 'true');
        const described = field.getAttribute('aria-describedby');
        field.setAttribute('aria-describedby', described ? `${described} ${id}` : id);
      }
      // The summary names the field: "Nombre d'exemplaires : Cette valeur est trop grande."
      const label = form.querySelector(`label[for="${CSS.escape(field.id)}"]`);
      const name = label?.firstChild?.textContent?.trim();
      const text = name && !error.message.includes(name) ? `${name} : ${error.message}` : error.message;
      items.push(h('li', {}, h('a', {
        href: `#${field.id}`,
        onclick: (event) => { event.preventDefault(); field.focus(); },
      }, text)));
    } else {
      items.push(h('li', {}, error.message));
    }
  }
  summary.hidden = false;
  summary.append(
    h('h2', {}, title || t('errors.title', { n: errors.length })),
    h('ul', {}, items),
  );
  summary.focus();
}

// A problem's errors[] (dotted API paths) → field ids, through the screen's own map.
export function problemErrors(problem, fieldFor) {
  const lang = currentLanguage();
  const found = problem.errors.map((error) => ({
    field: fieldFor(error.field || ''),
    message: lang === 'fr' ? error.message_fr : error.message_en,
  }));
  if (!found.length) found.push({ field: null, message: problemMessage(problem) });
  return found;
}

export function problemMessage(problem) {
  if (problem?.messages) return problem.messages[currentLanguage()] || problem.messages.fr;
  return t('errors.unexpected');
}
