// "Mes demandes": every request of the citizen, whatever channel (GET /citizens/me/requests);
// one request's status and history (GET /requests/{id}) and its conversation (GET/POST
// /requests/{id}/messages: answer the agent, add a photo). Updated without reload by polling
// (poll.js: paused while the tab is hidden); the screen is redrawn only when the answer changed,
// and a new message from the agent is announced.
import { ApiProblem, ApiUnavailable } from '../api.js';
import { h, clear, announce } from '../dom.js';
import { clearErrors, problemErrors, problemMessage, showErrors } from '../forms.js';
import { formatDate, pick, t } from '../i18n.js';
import { PhotoError, preparePhoto, megabytes, PHOTO_TYPES } from '../photos.js';
import { poll } from './poll.js';

export async function render(main, context, params) {
  main.append(h('h1', {}, t('mine.title')));
  if (!context.auth.accessToken) {
    main.append(h('p', {}, t('mine.signin')), context.signInButtons(window.location.pathname));
    return;
  }
  if (params.length) await detail(main, context, params[0]);
  else await list(main, context);
}

async function list(main, context) {
  const box = h('div', { id: 'my-requests' });
  main.append(box);
  let last = '';
  const draw = async () => {
    const page = await context.api.get('/citizens/me/requests', { page_size: 50 });
    const text = JSON.stringify(page.items);
    if (text === last) return;
    last = text;
    clear(box);
    if (!page.items.length) { box.append(h('p', {}, t('mine.empty'))); return; }
    box.append(h('ul', { class: 'cards' }, page.items.map((item) => h('li', { class: 'card' },
      h('h2', {}, item.request_id
        ? h('a', { href: `/mes-demandes/${item.request_id}`, 'data-link': true },
          item.ticket_number || t('mine.no_ticket'))
        : (item.ticket_number || t('mine.no_ticket'))),
      h('p', {}, item.theme || ''),
      h('p', { class: 'badge', 'data-status': item.status }, pick(item)),
      h('p', { class: 'meta' }, t(`channel.${item.channel}`), ' · ',
        t('mine.updated', { date: formatDate(item.updated_at || item.created_at, true) }))))));
  };
  await draw();
  poll(context, context.config.poll_seconds, draw);
}

async function detail(main, context, id) {
  const statusBox = h('section', { 'aria-labelledby': 'status-title' },
    h('h2', { id: 'status-title' }, t('mine.status')), h('div', { id: 'request-status' }));
  const thread = h('ol', { class: 'thread', id: 'thread' });
  const talk = h('section', { 'aria-labelledby': 'thread-title' },
    h('h2', { id: 'thread-title' }, t('mine.thread')), thread);
  main.append(h('p', {}, h('a', { href: '/mes-demandes', 'data-link': true }, t('mine.back'))),
    statusBox, talk);
  let lastStatus = '';
  let lastThread = '';
  let seen = null;
  let closed = false;
  const drawStatus = async () => {
    const status = await context.api.get(`/requests/${id}`);
    const text = JSON.stringify(status);
    if (text === lastStatus) return;
    lastStatus = text;
    const box = clear(statusBox.querySelector('#request-status'));
    if (status.status !== 'created') { box.append(h('p', {}, t('ticket.queued'))); return; }
    closed = status.closed;
    box.append(
      h('p', {}, t('ticket.number'), ' ', h('strong', {}, status.ticket_number)),
      h('p', { class: 'badge', id: 'current-status', 'data-status': status.citizen_status }, pick(status)),
      h('ol', { class: 'history' }, status.history.map((step) => h('li', {},
        h('span', { class: 'meta' }, formatDate(step.at, true)), ' — ', pick(step)))));
    if (lastStatus && seen !== null) announce(t('mine.status_changed', { status: pick(status) }));
    replyForm.hidden = closed;
  };
  const drawThread = async () => {
    const view = await context.api.get(`/requests/${id}/messages`);
    const text = JSON.stringify(view.messages);
    if (text === lastThread) return;
    lastThread = text;
    clear(thread);
    for (const message of view.messages) {
      const fromAgent = message.direction === 'to_citizen';
      thread.append(h('li', { class: fromAgent ? 'from-agent' : 'from-citizen' },
        h('p', { class: 'meta' }, fromAgent ? t('mine.agent') : t('mine.you'), ' · ',
          formatDate(message.created_at, true)),
        h('p', {}, message.text),
        message.attachments.length ? h('p', { class: 'meta' },
          message.attachments.map((a) => a.name).join(', ')) : null));
    }
    if (!view.messages.length) thread.append(h('li', { class: 'note' }, t('mine.no_messages')));
    const agents = view.messages.filter((m) => m.direction === 'to_citizen').length;
    if (seen !== null && agents > seen) announce(t('mine.new_message'));
    seen = agents;
  };
  const replyForm = buildReply(context, id, drawThread);
  talk.append(replyForm);
  try {
    await drawStatus();
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 404) {
      clear(main).append(h('h1', {}, t('notfound.title')), h('p', {}, t('notfound.text')));
      return;
    }
    throw error;
  }
  await drawThread();
  poll(context, context.config.poll_seconds, async () => { await drawStatus(); await drawThread(); });
}

function buildReply(context, id, refresh) {
  const { config } = context;
  const text = h('textarea', { id: 'reply-text', name: 'text', rows: 4, maxlength: 2000 });
  const photo = h('input', { id: 'reply-photo', name: 'photo', type: 'file', accept: PHOTO_TYPES.join(','),
    'aria-describedby': 'reply-photo-help' });
  const form = h('form', { novalidate: true, class: 'reply', id: 'reply' },
    h('h3', {}, t('mine.answer')),
    h('div', { class: 'field' }, h('label', { for: 'reply-text' }, t('mine.message')), text),
    h('div', { class: 'field' }, h('label', { for: 'reply-photo' }, t('mine.add_photo')),
      h('p', { class: 'help', id: 'reply-photo-help' },
        t('new.photos_help', { n: 1, mb: megabytes(config.max_photo_bytes) })), photo),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('mine.send'))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!text.value.trim()) {
      showErrors(form, [{ field: 'reply-text', message: t('new.missing', { field: t('mine.message') }) }]);
      return;
    }
    const body = { message_id: crypto.randomUUID(), text: text.value };
    try {
      const files = [];
      if (photo.files.length) {
        const prepared = await preparePhoto(photo.files[0], {
          maxBytes: config.max_photo_bytes, maxSide: config.photo_max_side });
        files.push(prepared);
      }
      if (files.length) await context.api.postParts(`/requests/${id}/messages`, 'message', body, files);
      else await context.api.postJson(`/requests/${id}/messages`, body);
      text.value = '';
      photo.value = '';
      announce(t('mine.sent'));
      const sent = h('p', { class: 'note', role: 'status' }, t('mine.sent'));
      form.append(sent);
      window.setTimeout(() => sent.remove(), 4000);
      await refresh().catch(() => {});
    } catch (error) {
      if (error instanceof PhotoError) {
        showErrors(form, [{ field: 'reply-photo', message: t(`new.photo_${error.code}`, {
          name: photo.files[0].name, mb: megabytes(config.max_photo_bytes) }) }]);
      } else if (error instanceof ApiUnavailable) {
        showErrors(form, [{ field: null, message: t('errors.unavailable') }]);
      } else if (error instanceof ApiProblem) {
        showErrors(form, problemErrors(error, (path) => (path === 'text' ? 'reply-text'
          : path.startsWith('attachments') ? 'reply-photo' : null)));
      } else {
        showErrors(form, [{ field: null, message: problemMessage(null) }]);
      }
    }
  });
  return form;
}
