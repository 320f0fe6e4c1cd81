// Building the page with DOM nodes only (no HTML strings): every value the API or the citizen gives is text.
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

// Search highlights come as HTML with <mark> (escaped by the API): keep the text and the marks,
// nothing else, so that a wrong answer can never become markup or script.
export function highlighted(html) {
  const parsed = new DOMParser().parseFromString(`<div>${html ?? ''}</div>`, 'text/html');
  const copy = (from, to) => {
    for (const child of from.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) to.append(child.textContent);
      else if (child.nodeType === Node.ELEMENT_NODE) {
        const target = child.tagName === 'MARK' ? to.appendChild(document.createElement('mark')) : to;
        copy(child, target);
      }
    }
  };
  const fragment = document.createDocumentFragment();
  copy(parsed.body.firstChild, fragment);
  return fragment;
}

// A polite announcement for screen readers (role=status in index.html).
export function announce(text) {
  const region = document.getElementById('status');
  region.textContent = '';
  window.setTimeout(() => { region.textContent = text; }, 50);
}

let counter = 0;
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}
