// The stepper's richer fields (new-request.js): a labelled field with its help, the address
// with its combobox and "use my location", the photos with their checks and previews. Each
// reads and writes the draft it is given and calls `save` after each change.
import { combobox } from '../combobox.js';
import { h, clear, announce } from '../dom.js';
import { clearErrors, showErrors } from '../forms.js';
import { t } from '../i18n.js';
import { PhotoError, preparePhoto, megabytes, sizeLabel, PHOTO_TYPES } from '../photos.js';

const LOCATION_KEYS = ['label', 'house_number', 'street', 'postcode', 'citycode', 'city',
  'latitude', 'longitude'];

export function labelled(id, text, required, control, help) {
  const helpId = help ? `${id}-help` : null;
  if (helpId) control.setAttribute('aria-describedby', helpId);
  if (required) control.setAttribute('aria-required', 'true');
  return h('div', { class: 'field' },
    h('label', { for: id, id: `${id}-label` }, text,
      required ? h('span', { class: 'required' }, ` (${t('new.required')})`) : null),
    help ? h('p', { id: helpId, class: 'help' }, help) : null,
    control);
}

export function addressField({ context, draft, save }) {
  const input = h('input', { id: 'f-address', name: 'address', type: 'text',
    value: draft.location?.label || '' });
  const chosen = h('p', { id: 'f-address-chosen', class: 'help', 'aria-live': 'polite' },
    draft.location ? t('new.address_chosen', { label: draft.location.label }) : '');
  const locate = h('button', { type: 'button', class: 'button secondary' }, t('new.locate'));
  const wrapper = labelled('f-address', t('new.address'), false, input, t('new.address_help'));
  wrapper.append(chosen, locate);
  const use = (address) => {
    draft.location = { geocoder_id: address.id, geocoder_score: address.score };
    for (const key of LOCATION_KEYS) if (address[key] != null) draft.location[key] = address[key];
    input.value = address.label;
    chosen.textContent = t('new.address_chosen', { label: address.label });
    save();
  };
  combobox({
    input,
    minLength: 3,
    suggest: async (q) => {
      const found = await context.api.get('/address', { q, limit: 5 });
      return found.results.map((a) => ({ label: a.label, value: a }));
    },
    choose: (option) => use(option.value),
  });
  input.addEventListener('input', () => {
    if (draft.location && input.value !== draft.location.label) {
      draft.location = null;
      chosen.textContent = '';
    }
  });
  locate.addEventListener('click', () => {
    if (!navigator.geolocation) { chosen.textContent = t('new.locate_failed'); return; }
    chosen.textContent = t('new.locating');
    navigator.geolocation.getCurrentPosition(async (position) => {
      try {
        const found = await context.api.get('/address/reverse', {
          lat: position.coords.latitude.toFixed(6), lon: position.coords.longitude.toFixed(6),
        });
        if (found.results.length) use(found.results[0]);
        else chosen.textContent = t('new.locate_none');
      } catch {
        chosen.textContent = t('new.locate_failed');
      }
    }, () => { chosen.textContent = t('new.locate_failed'); }, { timeout: 10000 });
  });
  return wrapper;
}

export function photosField(form, { config, draft, save }) {
  const input = h('input', { id: 'f-photos', name: 'photos', type: 'file', multiple: true,
    accept: PHOTO_TYPES.join(',') });
  const list = h('ul', { class: 'photos', 'aria-live': 'polite' });
  const help = t('new.photos_help', { n: config.max_photos, mb: megabytes(config.max_photo_bytes) });
  const wrapper = labelled('f-photos', t('new.photos'), false, input, help);
  wrapper.append(list);
  const draw = () => {
    clear(list);
    for (const [n, photo] of draft.photos.entries()) {
      list.append(h('li', {},
        h('img', { src: `data:${photo.type};base64,${photo.data}`, alt: '' }),
        h('span', {}, `${photo.name} (${sizeLabel(photo.size)})`),
        h('button', { type: 'button', class: 'link-button', onclick: () => {
          draft.photos.splice(n, 1); save(); draw();
        } }, t('new.photo_remove', { name: photo.name }))));
    }
    if (draft.photos_dropped) list.append(h('li', { class: 'note' }, t('new.photos_dropped')));
  };
  draw();
  input.addEventListener('change', async () => {
    clearErrors(form);
    const errors = [];
    for (const file of input.files) {
      if (draft.photos.length >= config.max_photos) {
        errors.push({ field: 'f-photos', message: t('new.photo_count', { n: config.max_photos }) });
        break;
      }
      try {
        const photo = await preparePhoto(file, {
          maxBytes: config.max_photo_bytes, maxSide: config.photo_max_side,
        });
        draft.photos.push({ name: photo.name, type: photo.type, size: photo.size, data: photo.data });
      } catch (error) {
        const code = error instanceof PhotoError ? error.code : 'decode';
        errors.push({ field: 'f-photos', message: t(`new.photo_${code}`, {
          name: file.name, mb: megabytes(config.max_photo_bytes) }) });
      }
    }
    input.value = '';
    draft.photos_dropped = false;
    save();
    draw();
    if (errors.length) showErrors(form, errors);
    else announce(t('new.photos_added', { n: draft.photos.length }));
  });
  return wrapper;
}
