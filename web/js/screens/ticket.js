// After submitting: GET /requests/{id} until the request is a case (its ticket number) or
// failed (its reason), updated in place.
import { h, clear, announce } from '../dom.js';
import { pick, t } from '../i18n.js';
import { poll } from './poll.js';

export async function render(main, context, [id]) {
  main.append(h('h1', {}, t('ticket.title')));
  const box = h('div', { class: 'ticket', id: 'ticket' });
  main.append(box, h('p', {}, h('a', { href: '/mes-demandes', 'data-link': true }, t('ticket.mine'))));
  let last = '';
  const draw = async () => {
    const status = await context.api.get(`/requests/${id}`);
    const text = JSON.stringify(status);
    if (text === last) return;
    last = text;
    clear(box);
    if (status.status === 'created') {
      box.append(h('p', { class: 'badge', 'data-status': status.citizen_status }, pick(status)),
        h('p', {}, t('ticket.number'), ' ', h('strong', { id: 'ticket-number' }, status.ticket_number)));
      announce(t('ticket.created', { ticket: status.ticket_number }));
    } else if (status.status === 'failed') {
      box.append(h('p', { role: 'alert' }, t('ticket.failed'), ' ', status.reason));
    } else {
      box.append(h('p', {}, t('ticket.queued')));
    }
  };
  await draw();
  poll(context, Math.min(2, context.config.poll_seconds), draw);
}
