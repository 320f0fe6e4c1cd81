// The agent desk (embedded mode only, docs/desk.md): an agent signed in at the agents' issuer
// lists the latest cases (GET /desk/api/cases), opens one with its conversation
// (GET /desk/api/cases/{ticket}), asks the citizen for details (POST …/hold), replies with an
// optional photo (POST …/reply, JSON or multipart: a `message` part and a `file` part) and
// resolves (POST …/resolve). The case view refreshes by polling, so the citizen's answer shows
// without reload. Problems are shown as on the citizen's screens (forms.js).
// The status reads in the connector's words (the status vocabulary, label_fr/label_en), with
// Dynamics 365's own beside it; the files filed with the request (and the messages' files) open
// through GET …/files/{id} with the agent's token; each action sends an Idempotency-Key, the
// same until it succeeds or its text changes, so a retry or a double click posts it once.
import { ApiProblem, ApiUnavailable } from '../api.js';
import { h, clear, announce } from '../dom.js';
import { clearErrors, problemErrors, problemMessage, showErrors } from '../forms.js';
import { formatDate, pick, t } from '../i18n.js';
import { PhotoError, preparePhoto, megabytes, PHOTO_TYPES } from '../photos.js';
import { poll } from './poll.js';

// The desk API's own limit for a file (Dataverse's default maxuploadfilesize).
const MAX_FILE_BYTES = 5 * 1024 * 1024;

// The agents' pages share this start: embedded only, then signed in as an agent.
export function agentGate(main, context, titleKey) {
  main.append(h('h1', {}, t(titleKey)));
  if (!context.agents) {
    main.append(h('p', { class: 'alert', role: 'alert' }, t('agents.embedded_only')));
    return false;
  }
  main.append(h('p', { class: 'note' }, t('agents.embedded_note')));
  if (!context.agents.accessToken) {
    if (context.auth.accessToken) {
      // A citizen's token never opens these pages (another issuer): say so rather than fail.
      main.append(h('p', { class: 'alert', role: 'alert' }, t('agents.citizen_signed_in')));
    }
    main.append(h('p', {}, t('agents.signin')), h('div', { class: 'signin-buttons' },
      h('button', {
        type: 'button',
        class: 'button provider-agents',
        onclick: async () => {
          try {
            await context.agents.signIn('agents', window.location.pathname);
          } catch {
            context.alert(t('signin.unavailable'));
          }
        },
      }, t('agents.signin_button'))));
    return false;
  }
  const user = context.agents.user || {};
  main.append(h('p', { class: 'agent-bar' },
    t('agents.signed_in', { name: user.name || user.preferred_username || '' }), ' ',
    h('button', {
      type: 'button',
      class: 'link-button',
      onclick: () => { context.agents.signOut(); context.navigate(window.location.pathname); },
    }, t('account.sign_out'))));
  return true;
}

// A problem the API answered (or its absence), in the page's language, focused.
export function problemBox(main, error) {
  let text = problemMessage(null);
  if (error instanceof ApiUnavailable) text = t('errors.unavailable');
  else if (error instanceof ApiProblem) text = problemMessage(error);
  const box = h('div', { class: 'alert', role: 'alert', tabindex: '-1', id: 'agents-problem' },
    h('p', {}, text));
  main.append(box);
  box.focus();
}

export async function render(main, context, params) {
  if (!agentGate(main, context, 'desk.title')) return;
  try {
    if (params.length) await caseView(main, context, params[0]);
    else await list(main, context);
  } catch (error) {
    problemBox(main, error);
  }
}

async function list(main, context) {
  const box = h('div', { id: 'desk-cases' });
  main.append(box);
  let last = '';
  const draw = async () => {
    const page = await context.deskApi.get('/cases', { top: 20 });
    const text = JSON.stringify(page.items);
    if (text === last) return;
    last = text;
    clear(box);
    if (!page.items.length) { box.append(h('p', {}, t('desk.empty'))); return; }
    const head = ['desk.ticket', 'desk.case_title', 'desk.status', 'desk.sub_theme', 'desk.owner',
      'desk.modified'];
    box.append(h('table', { class: 'data' },
      h('caption', {}, t('desk.latest')),
      h('thead', {}, h('tr', {}, head.map((key) => h('th', { scope: 'col' }, t(key))))),
      h('tbody', {}, page.items.map((item) => h('tr', {},
        h('th', { scope: 'row' },
          h('a', { href: `/desk/${item.ticket}`, 'data-link': true }, item.ticket)),
        h('td', {}, item.title),
        h('td', {}, pick(item.status)),
        h('td', {}, item.sub_theme || ''),
        h('td', {}, item.owner || ''),
        h('td', {}, formatDate(item.modified_at, true)))))));
  };
  await draw();
  poll(context, context.config.poll_seconds, draw);
}

async function caseView(main, context, ticket) {
  const path = `/cases/${encodeURIComponent(ticket)}`;
  const head = h('div', { id: 'desk-case' });
  const thread = h('ol', { class: 'thread', id: 'desk-thread' });
  main.append(h('p', {}, h('a', { href: '/desk', 'data-link': true }, t('desk.back'))), head,
    h('section', { 'aria-labelledby': 'desk-thread-title' },
      h('h2', { id: 'desk-thread-title' }, t('desk.thread')), thread));
  let last = '';
  let citizenMessages = null;
  const draw = async () => {
    const view = await context.deskApi.get(path);
    const text = JSON.stringify(view);
    if (text === last) return;
    last = text;
    clear(head).append(
      h('h2', {}, view.ticket, ' — ', view.title),
      h('p', { class: 'badge', id: 'desk-status' }, pick(view.status)),
      h('p', { class: 'meta', id: 'desk-dataverse-status' },
        t('desk.dataverse_status', { label: view.status.label })),
      h('dl', { class: 'review' },
        h('dt', {}, t('desk.sub_theme')), h('dd', {}, view.sub_theme || '—'),
        h('dt', {}, t('desk.owner')), h('dd', {}, view.owner || '—'),
        h('dt', {}, t('desk.origin')), h('dd', {}, view.origin || '—'),
        h('dt', {}, t('desk.created')), h('dd', {}, formatDate(view.created_at, true)),
        h('dt', {}, t('desk.description')), h('dd', { id: 'desk-description' }, view.description || '—')),
      h('h3', { id: 'desk-files-title' }, t('desk.files')),
      view.files.length
        ? h('ul', { id: 'desk-files', 'aria-labelledby': 'desk-files-title' },
          view.files.map((file) => h('li', {}, fileButton(context, path, file))))
        : h('p', { id: 'desk-files' }, t('desk.no_files')));
    clear(thread);
    for (const message of view.messages) {
      const fromAgent = message.from === 'agent';
      thread.append(h('li', { class: fromAgent ? 'from-agent' : 'from-citizen' },
        h('p', { class: 'meta' }, t(fromAgent ? 'desk.from_agent' : 'desk.from_citizen'),
          message.visible_to_citizen ? '' : ` (${t('desk.internal')})`, ' · ',
          formatDate(message.created_at, true)),
        h('p', {}, message.text),
        message.attachments.length ? h('p', { class: 'meta' },
          message.attachments.map((file, i) => [i ? ' · ' : '', fileButton(context, path, file)]))
          : null));
    }
    if (!view.messages.length) thread.append(h('li', { class: 'note' }, t('desk.no_messages')));
    const fromCitizen = view.messages.filter((m) => m.from !== 'agent').length;
    if (citizenMessages !== null && fromCitizen > citizenMessages) announce(t('desk.new_message'));
    citizenMessages = fromCitizen;
  };
  const refresh = () => draw().catch(() => {});
  const actions = h('section', { 'aria-labelledby': 'desk-actions-title', id: 'desk-actions' },
    h('h2', { id: 'desk-actions-title' }, t('desk.actions')),
    actionForm(context, path, 'hold', refresh),
    actionForm(context, path, 'reply', refresh),
    actionForm(context, path, 'resolve', refresh));
  main.append(actions);
  await draw();
  poll(context, context.config.poll_seconds, draw);
}

// A file of the case: its name, type and size; a click fetches it with the agent's token (a link
// could not carry it) and hands it to the browser as a download.
function fileButton(context, path, file) {
  const size = Number.isInteger(file.size) ? `, ${t('desk.kilobytes', { n: Math.max(1, Math.round(file.size / 1024)) })}` : '';
  return h('button', {
    type: 'button',
    class: 'link-button desk-file',
    onclick: async () => {
      try {
        const blob = await context.deskApi.getBlob(`${path}/files/${encodeURIComponent(file.id)}`);
        const url = URL.createObjectURL(blob);
        const link = h('a', { href: url, download: file.name || 'fichier', hidden: true });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
        announce(t('desk.file_opened', { name: file.name }));
      } catch (error) {
        context.alert(error instanceof ApiProblem ? problemMessage(error) : t('errors.unavailable'));
      }
    },
  }, t('desk.open_file', { name: file.name }), ` (${file.type || '?'}${size})`);
}

// One form per action: its text field (and a photo for a reply), its own error summary.
function actionForm(context, path, action, refresh) {
  const textId = `desk-${action}-text`;
  const multiline = action !== 'resolve';
  const text = h(multiline ? 'textarea' : 'input', {
    id: textId, name: 'text', maxlength: action === 'resolve' ? 200 : 2000,
    ...(multiline ? { rows: 3 } : { type: 'text' }) });
  const photo = action === 'reply' ? h('input', { id: 'desk-reply-photo', type: 'file',
    accept: PHOTO_TYPES.join(','), 'aria-describedby': 'desk-reply-photo-help' }) : null;
  const form = h('form', { novalidate: true, class: 'reply', id: `desk-${action}` },
    h('h3', {}, t(`desk.${action}.title`)),
    h('div', { class: 'field' }, h('label', { for: textId }, t(`desk.${action}.label`)), text),
    photo && h('div', { class: 'field' }, h('label', { for: 'desk-reply-photo' }, t('mine.add_photo')),
      h('p', { class: 'help', id: 'desk-reply-photo-help' },
        t('new.photos_help', { n: 1, mb: megabytes(MAX_FILE_BYTES) })), photo),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button' }, t(`desk.${action}.submit`))));
  const fieldFor = (field) => (['text', 'resolution'].includes(field) ? textId
    : field === 'file' ? 'desk-reply-photo' : null);
  // One key per user action: kept while the same action is tried again (a lost answer, a
  // double click), dropped when it succeeds or its text or photo changes.
  let key = null;
  text.addEventListener('input', () => { key = null; });
  if (photo) photo.addEventListener('change', () => { key = null; });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const value = text.value.trim();
    if (!value) {
      showErrors(form, [{ field: textId, message: t('new.missing', { field: t(`desk.${action}.label`) }) }]);
      return;
    }
    key = key || crypto.randomUUID();
    const once = { 'Idempotency-Key': key };
    try {
      if (action === 'resolve') {
        await context.deskApi.postJson(`${path}/resolve`, { resolution: value });
      } else if (action === 'hold') {
        await context.deskApi.postJson(`${path}/hold`, { text: value }, once);
      } else if (photo.files.length) {
        const prepared = await preparePhoto(photo.files[0], {
          maxBytes: MAX_FILE_BYTES, maxSide: context.config.photo_max_side });
        await context.deskApi.postParts(`${path}/reply`, 'message', { text: value }, [prepared],
          once, 'file');
      } else {
        await context.deskApi.postJson(`${path}/reply`, { text: value }, once);
      }
      key = null;
      text.value = '';
      if (photo) photo.value = '';
      announce(t(`desk.${action}.done`));
      await refresh();
    } catch (error) {
      if (error instanceof PhotoError) {
        showErrors(form, [{ field: 'desk-reply-photo', message: t(`new.photo_${error.code}`, {
          name: photo.files[0].name, mb: megabytes(MAX_FILE_BYTES) }) }]);
      } else if (error instanceof ApiUnavailable) {
        showErrors(form, [{ field: null, message: t('errors.unavailable') }]);
      } else if (error instanceof ApiProblem) {
        showErrors(form, problemErrors(error, fieldFor));
      } else {
        showErrors(form, [{ field: null, message: problemMessage(null) }]);
      }
    }
  });
  return form;
}
