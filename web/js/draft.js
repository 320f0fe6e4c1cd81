// The request being filed survives a reload: kept in sessionStorage (this tab only, gone when
// it closes). Never a token (auth.js keeps those in memory); photos only while the whole draft
// stays under `maxBytes` — past that they are left out, and the page says so.
const KEY = 'cityzen.draft';

export function newDraft() {
  return {
    id: crypto.randomUUID(), // the Idempotency-Key: a retried submit files one request
    step: 'theme',
    theme: null,
    sub_theme: null,
    subject: '',
    description: '',
    fields: {},
    location: null,
    photos: [],
    photos_dropped: false,
  };
}

export function loadDraft() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    if (kept && typeof kept.id === 'string') return { ...newDraft(), ...kept };
  } catch { /* a broken copy is dropped */ }
  return newDraft();
}

export function saveDraft(draft, maxBytes) {
  let text = JSON.stringify(draft);
  if (text.length > maxBytes) {
    text = JSON.stringify({ ...draft, photos: [], photos_dropped: draft.photos.length > 0 });
  }
  try {
    sessionStorage.setItem(KEY, text);
  } catch {
    sessionStorage.setItem(KEY, JSON.stringify({ ...draft, photos: [], photos_dropped: true }));
  }
}

export function dropDraft() {
  sessionStorage.removeItem(KEY);
}
