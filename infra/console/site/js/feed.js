// The live alert feed (overload and supervision, newest first) and the evidence side panel with the acknowledgement.
// The feed is filled from the API on load (so a reload loses nothing) and then by the live topics; an alert seen
// twice (API and MQTT, or an MQTT redelivery) is one entry, keyed by its deterministic alertId.
import { t } from './i18n.js';
import { bandLabel, categoryLabel, h, kg, number, percent, shanghaiDateTime, shanghaiTime } from './format.js';

export const outcomes = ['intercepted', 'not-found', 'false-reading', 'permit-verified', 'referred', 'other'];
const maxEntries = 300;

/** A feed entry from an overload AlertSummary (API) or an overload-alert v1 message (MQTT). */
export function overloadEntry(source) {
  const limitKg = source.limitKg ?? (typeof source.grossWeightKg === 'number' ? source.grossWeightKg - source.overLimitKg : undefined);
  const overLimitRatio = source.overLimitRatio ?? (limitKg > 0 ? source.overLimitKg / limitKg : undefined);
  const measuredAt = source.measuredAt ?? source.measuredAtUtc;
  const raisedAt = source.raisedAt ?? source.publishedAt ?? measuredAt;
  return {
    kind: 'overload',
    alertId: source.alertId,
    sortMs: Date.parse(raisedAt) || Date.parse(measuredAt) || Date.now(),
    plate: source.plate && source.plate !== 'unknown' ? source.plate : undefined,
    stationId: source.stationId,
    stationName: source.stationName,
    measuredAt,
    grossWeightKg: source.grossWeightKg,
    overLimitKg: source.overLimitKg,
    overLimitRatio,
    band: source.band,
    dimensionViolations: source.dimensionViolations ?? [],
    hundredTonne: source.hundredTonne === true,
    status: source.status ?? (source.acknowledgement ? 'acknowledged' : 'open'),
    acknowledgement: source.acknowledgement,
  };
}

/**
 * A feed entry from a supervision-alert v1 message or a violation listed by the API. The API's item shape may be the
 * alert itself or a flat record; both are read (vehicle fields nested or at the top level).
 */
export function supervisionEntry(source) {
  const message = source.alert ?? source;
  const vehicle = message.vehicle ?? source.vehicle ?? {};
  const startAt = message.startAt ?? source.startAtUtc ?? (typeof source.startMs === 'number' ? new Date(source.startMs).toISOString() : undefined);
  const raisedAt = message.raisedAt ?? source.publishedAt ?? startAt;
  return {
    kind: 'supervision',
    alertId: message.alertId ?? source.violationId,
    sortMs: Date.parse(raisedAt) || Date.parse(startAt) || Date.now(),
    type: message.type ?? source.type,
    plate: vehicle.plate ?? source.plate,
    deviceId: vehicle.deviceId ?? source.deviceId,
    category: vehicle.category ?? source.category,
    operator: vehicle.operator ?? source.operator,
    startAt,
    endAt: message.endAt ?? source.endAtUtc,
    message,
  };
}

export function createFeed({ root, panel, api, canAcknowledge, stationName }) {
  const entries = new Map();
  let selectedKey;

  const keyOf = (entry) => `${entry.kind}:${entry.alertId}`;

  function upsert(entry, { fromLive = false } = {}) {
    if (!entry.alertId) return;
    const key = keyOf(entry);
    const previous = entries.get(key);
    // Known fields are kept when a source lacks them (the API summary has no station name, the live message no
    // status), and an acknowledged alert stays acknowledged when a redelivered live message repeats it.
    const defined = Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined));
    const merged = previous
      ? { ...previous, ...defined, isNew: previous.isNew, status: previous.status === 'acknowledged' ? 'acknowledged' : defined.status ?? previous.status }
      : { ...entry, isNew: fromLive };
    entries.set(key, merged);
    if (entries.size > maxEntries) {
      const oldest = [...entries.values()].sort((a, b) => a.sortMs - b.sortMs)[0];
      entries.delete(keyOf(oldest));
    }
    render();
  }

  function overloadLine(entry) {
    return [
      // An alert within the weight limit is one for a dimension (超高/超宽/超长): show that instead of "0 kg over".
      ...(entry.overLimitKg > 0 || entry.dimensionViolations.length === 0
        ? [
            h('span', { class: 'fact over' }, t('feed.over', { kg: number(entry.overLimitKg), pct: percent(entry.overLimitRatio) })),
            h('span', { class: `band band-${(entry.band ?? '').replace('+', 'plus')}` }, bandLabel(entry.band)),
          ]
        : []),
      ...entry.dimensionViolations.map((d) =>
        h('span', { class: 'fact over', dataset: { testid: 'alert-dimension' } }, t(`feed.dimension.${d.dimension}`, { overM: d.overM.toFixed(2), measuredM: d.measuredM })),
      ),
      entry.hundredTonne ? h('span', { class: 'tag danger' }, t('feed.hundredTonne')) : null,
    ];
  }

  function itemOf(entry) {
    const isOverload = entry.kind === 'overload';
    const where = isOverload ? entry.stationName ?? stationName(entry.stationId) ?? entry.stationId : [entry.deviceId, entry.operator].filter(Boolean).join(' · ');
    return h(
      'li',
      {
        class: `feed-item ${entry.kind} ${entry.status === 'acknowledged' ? 'acknowledged' : ''} ${keyOf(entry) === selectedKey ? 'selected' : ''} ${entry.isNew ? 'new' : ''}`,
        dataset: { testid: 'alert-item', alertId: entry.alertId, kind: entry.kind, ...(isOverload ? { status: entry.status } : {}) },
      },
      h(
        'button',
        { type: 'button', class: 'feed-open', onclick: () => open(keyOf(entry)) },
        h(
          'span',
          { class: 'feed-head' },
          h('span', { class: `kind ${entry.kind}` }, isOverload ? t('feed.overload') : t(`violation.${entry.type}`)),
          h('strong', { class: 'plate', dataset: { testid: 'alert-plate' } }, entry.plate ?? t('feed.unknownPlate')),
          h('time', { class: 'when', datetime: isOverload ? entry.measuredAt : entry.startAt }, shanghaiTime(isOverload ? entry.measuredAt : entry.startAt)),
        ),
        h('span', { class: 'feed-where' }, where, !isOverload && entry.category ? ` · ${categoryLabel(entry.category)}` : ''),
        isOverload
          ? h('span', { class: 'feed-facts' }, overloadLine(entry), h('span', { class: `status ${entry.status}` }, t(`feed.${entry.status}`)))
          : h('span', { class: 'feed-facts' }, supervisionFacts(entry.message)),
      ),
    );
  }

  // Which kinds the feed shows: the simulator (or a busy day) produces far more overload alerts than violations,
  // and a supervisor-and-officer admin should not have to scroll past one kind to find the other.
  let kindFilter = 'all';

  function render() {
    const all = [...entries.values()];
    const count = (kind) => all.filter((entry) => kind === 'all' || entry.kind === kind).length;
    const kinds = ['all', 'overload', 'supervision'].filter((kind) => kind === 'all' || count(kind) > 0);
    const filterBar =
      kinds.length > 2
        ? h(
            'div',
            { class: 'feed-filter', role: 'group', dataset: { testid: 'feed-filter' } },
            kinds.map((kind) =>
              h(
                'button',
                {
                  type: 'button',
                  class: kind === kindFilter ? 'chip active' : 'chip',
                  'aria-pressed': String(kind === kindFilter),
                  dataset: { testid: `feed-filter-${kind}` },
                  onclick: () => {
                    kindFilter = kind;
                    render();
                  },
                },
                `${t(`feed.filter.${kind}`)} ${count(kind)}`,
              ),
            ),
          )
        : undefined;
    const shown = all.filter((entry) => kindFilter === 'all' || entry.kind === kindFilter).sort((a, b) => b.sortMs - a.sortMs);
    const list = h('ol', { class: 'feed-list' }, shown.map(itemOf));
    root.replaceChildren(...(filterBar ? [filterBar] : []), shown.length === 0 ? h('p', { class: 'empty' }, t('feed.empty')) : list);
  }

  // The side panel is shared (js/panel.js): another owner taking it over, or its close button, ends the selection.
  function panelFrame(title, ...content) {
    const entry = entries.get(selectedKey);
    panel.show({
      owner: 'feed',
      title,
      content,
      data: entry ? { alertId: entry.alertId, kind: entry.kind } : {},
      onClose: () => {
        selectedKey = undefined;
        render();
      },
    });
  }

  async function open(key) {
    selectedKey = key;
    const entry = entries.get(key);
    if (entry) entry.isNew = false;
    render();
    if (!entry) return;
    if (entry.kind === 'supervision') {
      panelFrame(`${t('evidence.title')} · ${t(`violation.${entry.type}`)}`, supervisionEvidence(entry.message));
      return;
    }
    panelFrame(t('evidence.title'), h('p', { class: 'muted' }, t('evidence.loading')));
    try {
      const detail = await api.get(`/overload/alerts/${encodeURIComponent(entry.alertId)}`);
      if (selectedKey !== key) return;
      upsert(overloadEntry(detail));
      panelFrame(`${t('evidence.title')} · ${detail.alert?.plate ?? detail.plate ?? ''}`, overloadEvidence(detail), acknowledgementSection(detail));
    } catch (error) {
      if (selectedKey !== key) return;
      panelFrame(t('evidence.title'), h('p', { class: 'error', role: 'alert' }, t('evidence.failed', { message: error.message })));
    }
  }

  function acknowledgementSection(detail) {
    const section = h('section', { class: 'ack', dataset: { testid: 'ack-section' } }, h('h3', {}, t('ack.title')));
    if (detail.acknowledgement) {
      section.append(ackResult(detail.acknowledgement));
      return section;
    }
    if (!canAcknowledge) return section;
    const select = h('select', { name: 'outcome', required: true, dataset: { testid: 'ack-outcome' } }, outcomes.map((o) => h('option', { value: o }, t(`outcome.${o}`))));
    const note = h('textarea', { name: 'note', rows: 2, maxlength: 500, dataset: { testid: 'ack-note' } });
    const submit = h('button', { type: 'submit', class: 'primary', dataset: { testid: 'ack-submit' } }, t('ack.submit'));
    const message = h('p', { class: 'error', role: 'alert', hidden: true });
    const form = h(
      'form',
      { dataset: { testid: 'ack-form' } },
      h('label', {}, t('ack.outcome'), select),
      h('label', {}, t('ack.note'), note),
      submit,
      message,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      submit.textContent = t('ack.submitting');
      message.hidden = true;
      try {
        const body = { outcome: select.value, ...(note.value.trim() ? { note: note.value.trim() } : {}) };
        const result = await api.post(`/overload/alerts/${encodeURIComponent(detail.alertId)}/acknowledgement`, body);
        markAcknowledged(detail.alertId, result.acknowledgement);
        form.replaceWith(ackResult(result.acknowledgement));
      } catch (error) {
        if (error.status === 409) {
          // Someone else was first: show theirs, not an error.
          const fresh = await api.get(`/overload/alerts/${encodeURIComponent(detail.alertId)}`).catch(() => undefined);
          if (fresh?.acknowledgement) {
            markAcknowledged(detail.alertId, fresh.acknowledgement);
            form.replaceWith(h('p', { class: 'muted' }, t('ack.already')), ackResult(fresh.acknowledgement));
            return;
          }
        }
        message.textContent = t('ack.failed', { message: error.message });
        message.hidden = false;
        submit.disabled = false;
        submit.textContent = t('ack.submit');
      }
    });
    section.append(form);
    return section;
  }

  function markAcknowledged(alertId, acknowledgement) {
    const entry = entries.get(`overload:${alertId}`);
    if (!entry) return;
    entry.status = 'acknowledged';
    entry.acknowledgement = acknowledgement;
    render();
  }

  /**
   * Another console (or this one) acknowledged an alert: an acknowledgement v1 message from
   * `alerts/overload/{stationId}/acknowledgement`. Applied once however often it arrives; an open evidence panel of
   * that alert swaps its form for the result.
   */
  function acknowledgedElsewhere(message) {
    if (!message?.alertId || !message.acknowledgement) return;
    const entry = entries.get(`overload:${message.alertId}`);
    if (!entry || entry.status === 'acknowledged') return;
    markAcknowledged(message.alertId, message.acknowledgement);
    const form = selectedKey === `overload:${message.alertId}` ? panel.root.querySelector('[data-testid="ack-form"]') : null;
    form?.replaceWith(ackResult(message.acknowledgement));
  }

  return {
    addOverload: (source, options) => upsert(overloadEntry(source), options),
    acknowledged: acknowledgedElsewhere,
    addSupervision: (source, options) => upsert(supervisionEntry(source), options),
    render,
    close: () => (selectedKey ? panel.close() : undefined),
    reopen: () => (selectedKey ? open(selectedKey) : undefined),
  };
}

function ackResult(ack) {
  return h(
    'p',
    { class: 'ack-result', dataset: { testid: 'ack-result', outcome: ack.outcome, by: ack.byId } },
    t('ack.done', { name: ack.byName ?? ack.byId, at: shanghaiDateTime(ack.atUtc), outcome: t(`outcome.${ack.outcome}`) }),
    ack.note ? h('span', { class: 'ack-note' }, ` — ${ack.note}`) : null,
  );
}

function facts(rows) {
  return h(
    'dl',
    { class: 'facts' },
    rows.filter(([, value]) => value !== undefined && value !== null && value !== '').flatMap(([label, value, testid]) => [h('dt', {}, label), h('dd', testid ? { dataset: { testid } } : {}, value)]),
  );
}

function overloadEvidence(detail) {
  const alert = detail.alert ?? {};
  const record = detail.evidence?.record ?? alert.evidence?.record ?? {};
  const tolerance = alert.evidence?.tolerance;
  const axleFindings = alert.evidence?.axleFindings ?? [];
  const overLimitRatio = alert.overLimitRatio ?? (alert.limitKg > 0 ? detail.overLimitKg / alert.limitKg : undefined);
  return h(
    'section',
    { class: 'evidence', dataset: { testid: 'evidence-overload' } },
    facts([
      [t('evidence.plate'), `${alert.plate ?? detail.plate ?? t('feed.unknownPlate')}${alert.plateColor ? ` (${t(`plateColor.${alert.plateColor}`)})` : ''}`, 'evidence-plate'],
      [t('evidence.station'), alert.stationName ? `${alert.stationName} (${detail.stationId})` : detail.stationId],
      [t('evidence.lane'), alert.lane ?? record.lane],
      [t('evidence.measuredAt'), shanghaiDateTime(alert.measuredAt ?? detail.measuredAtUtc)],
      [t('evidence.gross'), kg(detail.grossWeightKg ?? alert.grossWeightKg), 'evidence-gross'],
      [t('evidence.limit'), alert.limitKg === undefined ? undefined : kg(alert.limitKg)],
      [t('evidence.tolerance'), tolerance ? `${kg(tolerance.toleranceKg)} (${percent(tolerance.ratio)}, ${tolerance.accuracyClass})` : undefined],
      [t('evidence.overLimit'), `${kg(detail.overLimitKg ?? alert.overLimitKg)} (${percent(overLimitRatio)})`, 'evidence-over'],
      [t('evidence.band'), `${bandLabel(detail.band ?? alert.band)}${(detail.hundredTonne ?? alert.hundredTonne) ? ` · ${t('feed.hundredTonne')}` : ''}`],
      [t('evidence.fine'), alert.fineEstimateYuan === undefined ? undefined : `${number(alert.fineEstimateYuan)} 元${alert.fineWarningOnly ? t('evidence.fineWarning') : ''}`],
      [t('evidence.axles'), Array.isArray(record.axles) ? record.axles.length : undefined],
      [t('evidence.axleLoads'), Array.isArray(record.axles) ? record.axles.map((a) => number(a.weightKg)).join(' / ') : undefined],
      [t('evidence.dimensions'), record.dimensions ? `${record.dimensions.lengthM} × ${record.dimensions.widthM} × ${record.dimensions.heightM} m` : undefined],
      [t('evidence.limitBasis'), alert.limitBasis ? `${alert.limitBasis.description} — ${alert.limitBasis.source}` : undefined],
      [t('evidence.fineBasis'), alert.fineBasis],
      [t('evidence.raisedAt'), alert.raisedAt ? shanghaiDateTime(alert.raisedAt) : undefined],
    ]),
    (alert.dimensionViolations ?? []).length > 0
      ? h('ul', { class: 'findings' }, alert.dimensionViolations.map((d) => h('li', {}, `${d.dimension}: ${d.measuredM} m > ${d.limitM} m (+${d.overM.toFixed(2)} m) — ${d.source}`)))
      : null,
    axleFindings.length > 0
      ? h('div', {}, h('h3', {}, t('evidence.axleFindings')), h('ul', { class: 'findings' }, axleFindings.map((f) => h('li', {}, `${f.kind} #${f.axleIndexes.map((i) => i + 1).join('+')}: ${kg(f.loadKg)} > ${kg(f.limitKg)} — ${f.source}`))))
      : null,
    Array.isArray(record.images) && record.images.length > 0
      ? h('ul', { class: 'images' }, record.images.map((src) => h('li', {}, h('a', { href: src, target: '_blank', rel: 'noopener' }, src))))
      : null,
    h('details', {}, h('summary', {}, t('evidence.record')), h('pre', {}, JSON.stringify(record, null, 2))),
  );
}

export function supervisionFacts(message) {
  const details = message?.details ?? {};
  const pick = ['peakSpeedKmh', 'limitKmh', 'overKmh', 'continuousDrivingS', 'zoneName', 'silentS'].filter((k) => details[k] !== undefined).slice(0, 2);
  return pick.map((k) => h('span', { class: 'fact' }, `${k}=${typeof details[k] === 'number' ? number(details[k], 1) : details[k]}`));
}

function supervisionEvidence(message) {
  const vehicle = message.vehicle ?? {};
  return h(
    'section',
    { class: 'evidence', dataset: { testid: 'evidence-supervision' } },
    facts([
      [t('evidence.type'), t(`violation.${message.type}`)],
      [t('evidence.plate'), vehicle.plate ?? message.plate, 'evidence-plate'],
      [t('evidence.vehicle'), vehicle.deviceId ?? message.deviceId],
      [t('evidence.category'), vehicle.category ? categoryLabel(vehicle.category) : undefined],
      [t('evidence.operator'), vehicle.operator],
      [t('evidence.city'), vehicle.city],
      [t('evidence.period'), `${shanghaiDateTime(message.startAt)} – ${message.endAt ? shanghaiDateTime(message.endAt) : '…'}`],
      [t('evidence.basis'), message.basis ? `${message.basis.ruleId} — ${message.basis.source}` : undefined],
      [t('evidence.raisedAt'), message.raisedAt ? shanghaiDateTime(message.raisedAt) : undefined],
    ]),
    h('h3', {}, t('evidence.details')),
    facts(Object.entries(message.details ?? {}).map(([k, v]) => [k, typeof v === 'number' ? number(v, 1) : String(v)])),
    (message.evidence ?? []).length > 0
      ? h(
          'div',
          { class: 'table-wrap' },
          h('h3', {}, t('evidence.reports')),
          h(
            'table',
            {},
            h('thead', {}, h('tr', {}, ['#', 'time', 'lat', 'lon', 'km/h'].map((c) => h('th', {}, c)))),
            h('tbody', {}, message.evidence.map((r) => h('tr', {}, h('td', {}, r.seq), h('td', {}, shanghaiTime(r.ts)), h('td', {}, r.lat.toFixed(5)), h('td', {}, r.lon.toFixed(5)), h('td', {}, number(r.speedKmh, 1))))),
          ),
        )
      : null,
  );
}
