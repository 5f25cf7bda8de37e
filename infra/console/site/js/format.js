// Formatting for people in Hainan: times in Asia/Shanghai whatever the browser's zone, numbers in the UI language.
import { locale, t } from './i18n.js';

export const timeZone = 'Asia/Shanghai';

/** An instant (ISO-8601 with offset, or epoch ms) as local date and time in Asia/Shanghai, e.g. 2026-11-30 14:05:09. */
export function shanghaiDateTime(instant) {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  if (!Number.isFinite(ms)) return '–';
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** Only the time of day in Asia/Shanghai, for the feed. */
export function shanghaiTime(instant) {
  return shanghaiDateTime(instant).slice(11);
}

/** Local calendar date YYYY-MM-DD in Asia/Shanghai. */
export function shanghaiDate(ms) {
  return shanghaiDateTime(ms).slice(0, 10);
}

/** Period keys of the green history: YYYY-MM-DDTHH (hour), YYYY-MM-DD (day), YYYY-MM (month), Shanghai local. */
export function periodKey(period, ms) {
  const s = shanghaiDateTime(ms);
  if (period === 'hour') return `${s.slice(0, 10)}T${s.slice(11, 13)}`;
  if (period === 'day') return s.slice(0, 10);
  return s.slice(0, 7);
}

export function number(value, maximumFractionDigits = 0) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  return new Intl.NumberFormat(locale(), { maximumFractionDigits, minimumFractionDigits: maximumFractionDigits }).format(value);
}

/** A fraction (0.125) as a percentage with one decimal (12.5 %). */
export function percent(fraction, digits = 1) {
  if (typeof fraction !== 'number' || !Number.isFinite(fraction)) return '–';
  return `${(fraction * 100).toFixed(digits)} %`;
}

export function kg(value) {
  return `${number(value)} kg`;
}

export function bandLabel(band) {
  return band === 'none' ? '–' : band === '100+' ? '> 100 %' : `${band} %`;
}

export function categoryLabel(category) {
  const key = `category.${category}`;
  const label = t(key);
  return label === key ? category : label;
}

/** Creates an element: h('div', { class: 'x', dataset: { testid: 'y' } }, child, 'text'). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'class') el.className = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's children, skipping absent ones (replaceChildren would print "null"). */
export function fill(root, ...children) {
  root.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}
