// "Nouvelle demande", step by step (PRODUCT.md): theme → sub-theme → the sub-theme's form, as
// GET /themes defines it (its fields, their types, which are required) with address help
// (GET /address as a combobox, "use my location" through GET /address/reverse) and photos →
// review → POST /requests with an Idempotency-Key → the ticket (ticket.js). The draft is kept
// in sessionStorage at each change (draft.js). Every error, the page's or the API's errors[],
// is shown next to its field (forms.js).
import { ApiProblem, ApiUnavailable } from '../api.js';
import { h, clear } from '../dom.js';
import { loadDraft, saveDraft, dropDraft } from '../draft.js';
import { problemErrors, problemMessage, showErrors } from '../forms.js';
import { t } from '../i18n.js';
import { addressField, labelled, photosField } from './request-fields.js';

const STEPS = ['theme', 'sub_theme', 'form', 'review'];

// An API error path → the id of the field that shows it.
function fieldFor(path) {
  if (path === 'subject' || path === 'description') return `f-${path}`;
  if (path.startsWith('fields.')) return `f-field-${path.split('.')[1]}`;
  if (path.startsWith('location')) return 'f-address';
  if (path.startsWith('attachments')) return 'f-photos';
  return null;
}

export async function render(main, context) {
  const { config } = context;
  const draft = loadDraft();
  const save = () => saveDraft(draft, config.draft_max_bytes);
  main.append(h('h1', {}, t('new.title')));
  if (!context.auth.accessToken) {
    main.append(
      h('p', {}, t('new.signin')),
      draft.theme ? h('p', { class: 'note' }, t('new.draft_kept')) : null,
      context.signInButtons('/nouvelle-demande'),
    );
    return;
  }
  const tree = await context.api.get('/themes');
  const stage = h('div', { class: 'stage' });
  const progress = h('ol', { class: 'steps' });
  main.append(progress, stage);

  const theme = () => tree.themes.find((x) => x.code === draft.theme);
  const subTheme = () => theme()?.sub_themes.find((x) => x.code === draft.sub_theme);

  const show = (step) => {
    draft.step = step;
    save();
    clear(progress);
    for (const [n, name] of STEPS.entries()) {
      progress.append(h('li', { 'aria-current': name === step ? 'step' : false },
        t('new.step', { n: n + 1, total: STEPS.length }), ' ', t(`new.steps.${name}`)));
    }
    clear(stage);
    ({ theme: themeStep, sub_theme: subThemeStep, form: formStep, review: reviewStep })[step]();
    const heading = stage.querySelector('h2');
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus(); }
  };

  const choiceStep = (title, name, items, selected, onNext, back) => {
    const form = h('form', { novalidate: true, class: 'step' });
    const fieldset = h('fieldset', {}, h('legend', {}, h('h2', {}, title)));
    for (const item of items) {
      const id = `f-${name}-${item.code}`;
      fieldset.append(h('div', { class: 'choice' },
        h('input', { type: 'radio', name, id, value: item.code, checked: item.code === selected }),
        h('label', { for: id }, item.title)));
    }
    form.append(fieldset, navigation(back, t('new.next')));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const chosen = form.querySelector(`input[name="${name}"]:checked`);
      if (!chosen) {
        const first = form.querySelector('input[type=radio]');
        showErrors(form, [{ field: first.id, message: t('new.choose') }]);
        return;
      }
      onNext(chosen.value);
    });
    stage.append(form);
  };

  const navigation = (back, next) => h('div', { class: 'actions' },
    back ? h('button', { type: 'button', class: 'button secondary', onclick: back },
      t('new.back')) : null,
    h('button', { type: 'submit', class: 'button' }, next));

  function themeStep() {
    choiceStep(t('new.steps.theme'), 'theme', tree.themes, draft.theme, (code) => {
      if (code !== draft.theme) { draft.sub_theme = null; draft.fields = {}; }
      draft.theme = code;
      show('sub_theme');
    }, null);
  }

  function subThemeStep() {
    choiceStep(`${t('new.steps.sub_theme')} — ${theme().title}`, 'sub_theme',
      theme().sub_themes, draft.sub_theme, (code) => {
        if (code !== draft.sub_theme) draft.fields = {};
        draft.sub_theme = code;
        show('form');
      }, () => show('theme'));
  }


  function extraField(field) {
    const id = `f-field-${field.name}`;
    const value = draft.fields[field.name];
    let control;
    if (field.type === 'choice') {
      control = h('select', { id, name: field.name },
        h('option', { value: '' }, t('new.select')),
        field.choices.map((c) => h('option', { value: c, selected: value === c }, c)));
    } else if (field.type === 'boolean') {
      return h('div', { class: 'field choice' },
        h('input', { type: 'checkbox', id, name: field.name, checked: value === true }),
        h('label', { for: id, id: `${id}-label` }, field.label));
    } else {
      control = h('input', {
        id,
        name: field.name,
        type: { number: 'number', date: 'date' }[field.type] || 'text',
        value: value ?? '',
        maxlength: field.max_length,
        min: field.minimum,
        max: field.maximum,
      });
    }
    const range = field.type === 'number' && field.minimum != null && field.maximum != null
      ? t('new.between', { min: field.minimum, max: field.maximum }) : null;
    const help = [field.help, range].filter(Boolean).join(' ') || null;
    return labelled(id, field.label, field.required, control, help);
  }

  function readForm(form) {
    draft.subject = form.querySelector('#f-subject').value;
    draft.description = form.querySelector('#f-description').value;
    for (const field of subTheme().fields) {
      const input = form.querySelector(`#f-field-${field.name}`);
      if (field.type === 'boolean') draft.fields[field.name] = input.checked;
      else if (input.value === '') delete draft.fields[field.name];
      else if (field.type === 'number') draft.fields[field.name] = Number(input.value);
      else draft.fields[field.name] = input.value;
    }
    save();
  }

  function formStep() {
    const sub = subTheme();
    const form = h('form', { novalidate: true, class: 'step' },
      h('h2', {}, `${t('new.steps.form')} — ${sub.title}`),
      h('p', { class: 'note' }, t('new.required_note')));
    form.append(
      labelled('f-subject', t('new.subject'), true,
        h('input', { id: 'f-subject', name: 'subject', maxlength: 200, value: draft.subject }),
        t('new.subject_help')),
      labelled('f-description', t('new.description'), false,
        h('textarea', { id: 'f-description', name: 'description', maxlength: 2000, rows: 5 },
          draft.description), t('new.description_help')),
      ...sub.fields.map(extraField),
      addressField({ context, draft, save }),
      photosField(form, { config, draft, save }),
      navigation(() => { readForm(form); show('sub_theme'); }, t('new.next')),
    );
    form.addEventListener('input', () => readForm(form));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      readForm(form);
      const errors = [];
      if (draft.subject === '') errors.push({ field: 'f-subject', message: t('new.missing', { field: t('new.subject') }) });
      for (const field of sub.fields) {
        if (field.required && field.type !== 'boolean' && !(field.name in draft.fields)) {
          errors.push({ field: `f-field-${field.name}`, message: t('new.missing', { field: field.label }) });
        }
      }
      if (errors.length) { showErrors(form, errors); return; }
      show('review');
    });
    stage.append(form);
    if (draft.pendingProblem) { // the API refused the review's submission: say where
      showErrors(form, draft.pendingProblem);
      delete draft.pendingProblem;
    }
  }

  function reviewStep() {
    const sub = subTheme();
    const rows = [
      [t('new.steps.theme'), theme().title],
      [t('new.steps.sub_theme'), sub.title],
      [t('new.subject'), draft.subject],
      [t('new.description'), draft.description || '—'],
      ...sub.fields.filter((f) => f.name in draft.fields).map((f) => [f.label,
        f.type === 'boolean' ? t(draft.fields[f.name] ? 'yes' : 'no') : String(draft.fields[f.name])]),
      [t('new.address'), draft.location?.label || '—'],
      [t('new.photos'), draft.photos.map((p) => p.name).join(', ') || '—'],
    ];
    const form = h('form', { novalidate: true, class: 'step' },
      h('h2', {}, t('new.steps.review')),
      h('dl', { class: 'review' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      navigation(() => show('form'), t('new.submit')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = form.querySelector('button[type=submit]');
      button.disabled = true;
      try {
        const accepted = await context.api.postJson('/requests', {
          theme: draft.theme,
          sub_theme: draft.sub_theme,
          subject: draft.subject,
          description: draft.description,
          location: draft.location,
          fields: draft.fields,
          attachments: draft.photos.map((p) => ({
            file_name: p.name, content_base64: p.data, media_type: p.type })),
        }, { 'Idempotency-Key': draft.id });
        dropDraft();
        context.navigate(`/demande/${accepted.id}`, { replace: true });
      } catch (error) {
        button.disabled = false;
        if (error instanceof ApiProblem && error.status === 422) {
          draft.pendingProblem = problemErrors(error, fieldFor);
          show('form');
        } else if (error instanceof ApiUnavailable) {
          showErrors(form, [{ field: null, message: t('errors.unavailable_draft') }], t('errors.unavailable'));
        } else if (error instanceof ApiProblem && error.status === 401) {
          showErrors(form, [{ field: null, message: t('errors.session') }]);
          form.append(context.signInButtons('/nouvelle-demande'));
        } else {
          const fields = error instanceof ApiProblem ? problemErrors(error, fieldFor) : [];
          showErrors(form, fields.length ? fields : [{ field: null, message: problemMessage(error) }]);
        }
      }
    });
    stage.append(form);
  }

  const valid = (step) => (step === 'theme') || (step === 'sub_theme' && theme())
    || (['form', 'review'].includes(step) && subTheme());
  show(valid(draft.step) ? draft.step : 'theme');
}
