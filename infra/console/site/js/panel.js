// The side panel (`#evidence`) shared by the alert evidence, the station day and the vehicle detail: one frame, one
// close button (data-testid evidence-close). Whoever shows content last owns the panel; when another owner takes it
// over, or it is closed, the previous owner's onClose runs so it can drop its selection or its track on the map.
import { t } from './i18n.js';
import { h } from './format.js';

export function createPanel(root) {
  let current; // { owner, onClose }
  let dataKeys = [];

  function setData(data) {
    for (const key of dataKeys) delete root.dataset[key];
    dataKeys = Object.keys(data);
    Object.assign(root.dataset, data);
  }

  function release() {
    const previous = current;
    current = undefined;
    previous?.onClose?.();
  }

  function close() {
    release();
    setData({});
    root.hidden = true;
    root.replaceChildren();
    document.body.classList.remove('panel-open');
  }

  /** Shows title and content for owner ('feed', 'station', 'vehicle'); data becomes data-* of the panel. */
  function show({ owner, title, content = [], onClose, data = {} }) {
    if (current && current.owner !== owner) release();
    current = { owner, onClose };
    setData(data);
    root.replaceChildren(
      h(
        'header',
        { class: 'panel-head' },
        h('h2', {}, title),
        h('button', { type: 'button', class: 'close', 'aria-label': t('evidence.close'), title: t('evidence.close'), dataset: { testid: 'evidence-close' }, onclick: close }, '×'),
      ),
      h('div', { class: 'panel-body' }, ...content),
    );
    root.hidden = false;
    document.body.classList.add('panel-open');
  }

  return { root, show, close, owner: () => current?.owner };
}
