// A WIM station's day in the side panel (GET /overload/stations/{id}/days/{date}: counters, 超限率, hours, the
// ≥ 80/90/100 t lists) and the repeat-offenders card (GET /overload/offenders). Both routes are the enforcement
// role's; other roles see the day's figures the station listing carries (GET /overload/stations?date=).
import { groupedBarChart, legend } from './charts.js';
import { t } from './i18n.js';
import { bandLabel, fill, h, number, percent, shanghaiDate, shanghaiDateTime, shanghaiTime } from './format.js';

const rateMetrics = ['overLimitRate', 'overLimitRateExcluding10', 'overLimitRateExcluding20'];
const heavyLists = [
  { key: 'over80t', testid: 'heavy-list-80', label: 'station.heavy80' },
  { key: 'over90t', testid: 'heavy-list-90', label: 'station.heavy90' },
  { key: 'over100t', testid: 'heavy-list-100', label: 'station.heavy100' },
];

/** The day of one station: { stationId, localDate, counters, rates, hours?, heavy? } (hours and heavy: enforcement). */
async function loadDay(api, full, stationId, date) {
  if (full) return api.get(`/overload/stations/${encodeURIComponent(stationId)}/days/${encodeURIComponent(date)}`);
  const body = await api.get('/overload/stations', { date });
  const station = (body.items ?? []).find((st) => st.stationId === stationId);
  return { stationId, localDate: body.date ?? date, counters: { trucksWeighed: station?.day?.trucksWeighed ?? 0, overLimit: station?.day?.overLimit ?? 0 }, rates: station?.day?.rates ?? {} };
}

export function createStationDetail({ panel, api, canDay, station, onSelect }) {
  let shown; // { stationId, date, day?, error? }
  let seq = 0;

  const titleOf = (stationId) => station(stationId)?.name ?? stationId;

  function show(content) {
    panel.show({
      owner: 'station',
      title: titleOf(shown.stationId),
      content: [h('section', { class: 'station-detail', dataset: { testid: 'station-detail', stationId: shown.stationId, date: shown.date } }, content)],
      data: { kind: 'station', stationId: shown.stationId },
      onClose: () => {
        shown = undefined;
        seq++;
        onSelect(undefined);
      },
    });
  }

  async function open(stationId, date = shanghaiDate(Date.now())) {
    const mine = ++seq;
    shown = { stationId, date };
    // Shown first: taking the panel over from another owner lets that one clear its own selection before ours is set.
    show([header(), h('p', { class: 'muted' }, t('station.loading'))]);
    onSelect(stationId);
    try {
      const day = await loadDay(api, canDay, stationId, date);
      if (mine !== seq) return;
      shown.day = day;
    } catch (error) {
      if (mine !== seq) return;
      shown.error = error;
    }
    render();
  }

  function render() {
    if (!shown) return;
    if (shown.error) {
      show([header(), h('p', { class: 'error', role: 'alert' }, t('station.failed', { message: shown.error.message }))]);
      return;
    }
    if (!shown.day) {
      show([header(), h('p', { class: 'muted' }, t('station.loading'))]);
      return;
    }
    const day = shown.day;
    show([
      header(),
      figures(day),
      canDay ? hourly(day.hours ?? []) : h('p', { class: 'muted small', dataset: { testid: 'station-limited' } }, t('station.limitedRole')),
      ...(canDay ? heavyLists.map((list) => heavyTable(list, day.heavy?.[list.key] ?? [], day.heavy?.over100t ?? [])) : []),
    ]);
  }

  function header() {
    const st = station(shown.stationId);
    const today = shanghaiDate(Date.now());
    const input = h('input', { type: 'date', value: shown.date, max: today, required: true, dataset: { testid: 'station-date' } });
    input.addEventListener('change', () => {
      if (/^\d{4}-\d{2}-\d{2}$/.test(input.value) && input.value !== shown?.date) void open(shown.stationId, input.value);
    });
    return h(
      'div',
      { class: 'detail-head' },
      h('p', { class: 'muted small' }, st?.road ? h('span', { class: 'road' }, st.road) : null, ` ${shown.stationId}`, st?.accuracyClass ? ` · ${t('station.accuracy')} ${st.accuracyClass.replace(/^class-/, '')}` : ''),
      h('label', { class: 'date-pick' }, t('station.date'), input, shown.date !== today ? h('button', { type: 'button', onclick: () => open(shown.stationId) }, t('station.today')) : null),
    );
  }

  return {
    open,
    /** Language change: the open station panel is drawn again in the new language. */
    reopen: () => (shown && panel.owner() === 'station' ? render() : undefined),
  };
}

function figures(day) {
  const counters = day.counters ?? {};
  const rates = day.rates ?? {};
  const figure = (metric, label, value, shownText) =>
    h(
      'div',
      { class: 'figure', dataset: { testid: 'station-figure', metric, ...(typeof value === 'number' ? { value: String(value) } : {}) } },
      h('span', { class: 'figure-label' }, label),
      h('strong', { class: 'figure-value', dataset: { testid: 'station-figure-value' } }, shownText),
    );
  return h(
    'div',
    { class: 'figure-grid day-figures' },
    figure('trucksWeighed', t('station.trucks'), counters.trucksWeighed, number(counters.trucksWeighed ?? 0)),
    figure('overLimit', t('station.overLimit'), counters.overLimit, number(counters.overLimit ?? 0)),
    figure(rateMetrics[0], t('station.rate'), rates.overLimitRate, percent(rates.overLimitRate)),
    figure(rateMetrics[1], t('station.rate10'), rates.overLimitRateExcluding10, percent(rates.overLimitRateExcluding10)),
    figure(rateMetrics[2], t('station.rate20'), rates.overLimitRateExcluding20, percent(rates.overLimitRateExcluding20)),
  );
}

function hourly(hours) {
  const byHour = Array.from({ length: 24 }, (_, hour) => hours.find((x) => x.hour === hour) ?? { hour, trucksWeighed: 0, overLimit: 0 });
  const series = [
    { key: 'trucksWeighed', label: t('station.hourlyTrucks'), className: 's1', values: byHour.map((x) => x.trucksWeighed) },
    { key: 'overLimit', label: t('station.hourlyOver'), className: 's3', values: byHour.map((x) => x.overLimit) },
  ];
  return h(
    'figure',
    { class: 'hourly', dataset: { testid: 'station-hourly-chart' } },
    h('figcaption', {}, t('station.hourly')),
    groupedBarChart({ title: t('station.hourly'), labels: byHour.map((x) => String(x.hour).padStart(2, '0')), series, formatY: (v) => number(v) }),
    legend(series.map((one) => ({ label: one.label, className: one.className }))),
  );
}

function heavyTable({ testid, label }, records, over100t) {
  const hundred = new Set(over100t.map((r) => r.recordId));
  return h(
    'section',
    { class: 'heavy' },
    h('h3', {}, `${t(label)} (${records.length})`),
    records.length === 0
      ? h('p', { class: 'muted small', dataset: { testid } }, t('station.heavyEmpty'))
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { dataset: { testid } },
            h(
              'thead',
              {},
              h('tr', {}, h('th', {}, t('station.plate')), h('th', {}, t('station.time')), h('th', { class: 'num' }, t('station.gross')), h('th', { class: 'num' }, t('station.over')), h('th', {}, t('station.band'))),
            ),
            h(
              'tbody',
              {},
              records.map((r) =>
                h(
                  'tr',
                  { dataset: { testid: 'heavy-row', recordId: r.recordId } },
                  h(
                    'td',
                    {},
                    h('strong', {}, r.plate ?? t('feed.unknownPlate')),
                    hundred.has(r.recordId) ? h('span', { class: 'tag danger' }, t('feed.hundredTonne')) : null,
                    r.disposition === 'permitted' ? h('span', { class: 'tag permitted' }, t('station.permitted')) : null,
                  ),
                  h('td', { class: 'num' }, h('time', { datetime: r.measuredAtUtc, title: shanghaiDateTime(r.measuredAtUtc) }, shanghaiTime(r.measuredAtUtc))),
                  h('td', { class: 'num' }, number(r.grossWeightKg)),
                  h('td', { class: 'num over' }, number(r.overLimitKg)),
                  h('td', {}, h('span', { class: `band band-${(r.band ?? '').replace('+', 'plus')}` }, bandLabel(r.band))),
                ),
              ),
            ),
          ),
        ),
  );
}

/** The repeat-offenders card: plates alerted at least twice over the last 7, 30 or 90 days. */
export function createOffenders({ root, api, stationName }) {
  const state = { days: 30, items: undefined, error: undefined, loadedAt: undefined };
  let seq = 0;

  async function load() {
    const mine = ++seq;
    const now = Date.now();
    try {
      const body = await api.get('/overload/offenders', { from: new Date(now - state.days * 86_400_000).toISOString(), to: new Date(now).toISOString(), limit: 100 });
      if (mine !== seq) return;
      state.items = body.items ?? [];
      state.error = undefined;
      state.loadedAt = now;
    } catch (error) {
      if (mine !== seq) return;
      state.error = error;
    }
    render();
  }

  function render() {
    const select = h('select', { dataset: { testid: 'offenders-period' } }, [7, 30, 90].map((n) => h('option', { value: n, selected: n === state.days }, t('offenders.days', { n }))));
    select.addEventListener('change', () => {
      state.days = Number(select.value);
      void load();
    });
    const items = state.items;
    fill(
      root,
      h('div', { class: 'controls' }, h('label', {}, t('offenders.period'), select), h('span', { class: 'muted small' }, t('offenders.note'))),
      state.error ? h('p', { class: 'error small', role: 'alert' }, t('offenders.failed', { message: state.error.message })) : null,
      items === undefined
        ? h('p', { class: 'muted' }, t('station.loading'))
        : items.length === 0
          ? h('p', { class: 'empty', dataset: { testid: 'offenders' } }, t('offenders.empty'))
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { dataset: { testid: 'offenders' } },
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    h('th', {}, t('offenders.plate')),
                    h('th', { class: 'num' }, t('offenders.count')),
                    h('th', {}, t('offenders.stations')),
                    h('th', {}, t('offenders.last')),
                    h('th', { class: 'num' }, t('offenders.maxOver')),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  items.map((o) =>
                    h(
                      'tr',
                      { dataset: { testid: 'offender-row', plateKey: o.plateKey, alertCount: String(o.alertCount) } },
                      h('td', {}, h('strong', {}, o.plate)),
                      h('td', { class: 'num' }, number(o.alertCount)),
                      h('td', { class: 'small' }, o.stationIds.map((id) => stationName(id) ?? id).join(t('list.separator'))),
                      h('td', { class: 'num' }, shanghaiDateTime(o.lastAlertAtUtc)),
                      h('td', { class: 'num over' }, number(o.maxOverLimitKg)),
                    ),
                  ),
                ),
              ),
            ),
    );
  }

  render();
  return { load, render };
}
