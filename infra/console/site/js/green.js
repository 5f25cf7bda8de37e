// Green-transport panels: the current figures of a scope (province or a city) per fleet against the targets the
// snapshot evaluated, trend charts from the history, and a live table of every city from the retained messages.
import { cities, cityName } from './cities.js';
import { barChart, legend, lineChart } from './charts.js';
import { currentLang, t } from './i18n.js';
import { categoryLabel, fill, h, number, percent, periodKey, shanghaiDateTime } from './format.js';

export const shownFleets = ['bus', 'taxi', 'all'];
const shareMetrics = ['newEnergyShare', 'cleanEnergyShare'];
const spanOf = { hour: 48 * 3_600_000, day: 30 * 86_400_000, month: 365 * 86_400_000 };

export function createGreen({ root, api }) {
  const state = { city: '', period: 'day', current: undefined, history: [], error: undefined, byScope: new Map() };

  const scopeOf = (city) => (city ? `city#${city}` : 'province');

  async function load() {
    state.error = undefined;
    const query = state.city ? { city: state.city } : {};
    const now = Date.now();
    const [current, history] = await Promise.allSettled([
      api.get('/metrics/green/current', query),
      api.get('/metrics/green/history', { ...query, period: state.period, from: periodKey(state.period, now - spanOf[state.period]), to: periodKey(state.period, now), limit: 1000 }),
    ]);
    state.current = current.status === 'fulfilled' ? current.value : undefined;
    if (current.status === 'rejected' && current.reason.status !== 404) state.error = current.reason;
    state.history = history.status === 'fulfilled' ? history.value.items ?? [] : [];
    if (history.status === 'rejected' && !state.error) state.error = history.reason;
    render();
  }

  /** A retained or fresh green-metrics v1 message. */
  function onMessage(message) {
    if (message?.schema !== 'qiongjian.green-metrics' || !message.periods) return;
    state.byScope.set(message.scope, message);
    if (message.scope === scopeOf(state.city)) {
      const periods = Object.fromEntries(Object.entries(message.periods).map(([kind, p]) => [kind, { key: p.key, computedAtMs: Date.parse(message.computedAt), fleets: p.fleets }]));
      state.current = { scope: message.scope, periods };
    }
    render();
  }

  function figureCard(fleet, metric, m) {
    const value = m?.[metric];
    const isShare = shareMetrics.includes(metric);
    const target = isShare ? (m?.targets ?? []).find((x) => x.metric === metric) : undefined;
    const shown = value === undefined ? '–' : isShare ? percent(value) : metric === 'electricVehicleKm' ? `${number(value, 1)} ${t('green.km')}` : `${number(value, 1)} ${t('green.kg')}`;
    return h(
      'div',
      {
        class: `figure ${target ? (target.met ? 'met' : 'not-met') : ''}`,
        dataset: { testid: 'green-figure', fleet, metric, ...(value === undefined ? {} : { value: String(value) }) },
      },
      h('span', { class: 'figure-label' }, t(`green.${metric}`)),
      h('strong', { class: 'figure-value', dataset: { testid: 'green-figure-value' } }, shown),
      isShare
        ? target
          ? h(
              'span',
              { class: 'figure-target' },
              h('span', { class: 'bar-track' }, h('span', { class: 'bar-fill', style: `width:${Math.min(100, (value ?? 0) * 100).toFixed(1)}%` }), h('span', { class: 'bar-target', style: `left:${Math.min(100, target.target * 100).toFixed(1)}%` })),
              `${t('green.target', { pct: percent(target.target, 0) })} · ${target.met ? t('green.targetMet') : t('green.targetNotMet')}`,
            )
          : h('span', { class: 'figure-target muted' }, t('green.noTarget'))
        : null,
    );
  }

  function figures() {
    const period = state.current?.periods?.[state.period];
    if (!period) return h('p', { class: 'empty', dataset: { testid: 'green-empty' } }, t('green.noData'));
    return h(
      'div',
      { class: 'fleets', dataset: { testid: 'green-figures', periodKey: period.key } },
      shownFleets.map((fleet) => {
        const m = period.fleets?.[fleet];
        return h(
          'section',
          { class: 'fleet', dataset: { testid: 'green-fleet', fleet } },
          h('h3', {}, categoryLabel(fleet), m ? h('span', { class: 'muted' }, ` · ${t('green.registered', { n: m.registered })}`) : null),
          h('div', { class: 'figure-grid' }, ['newEnergyShare', 'cleanEnergyShare', 'electricVehicleKm', 'co2AvoidedKg'].map((metric) => figureCard(fleet, metric, m))),
        );
      }),
      h('p', { class: 'muted small' }, `${period.key} · ${t('green.computedAt', { at: shanghaiDateTime(period.computedAtMs) })}`),
    );
  }

  function trends() {
    const items = [...state.history].sort((a, b) => (a.key < b.key ? -1 : 1));
    if (items.length === 0) return null;
    const labels = items.map((i) => (state.period === 'hour' ? `${i.key.slice(5).replace('T', ' ')}h` : state.period === 'day' ? i.key.slice(5) : i.key));
    const series = [
      { fleet: 'bus', metric: 'newEnergyShare', className: 's1' },
      { fleet: 'bus', metric: 'cleanEnergyShare', className: 's2' },
      { fleet: 'taxi', metric: 'newEnergyShare', className: 's3' },
      { fleet: 'taxi', metric: 'cleanEnergyShare', className: 's4' },
    ].map((s) => ({ ...s, label: `${categoryLabel(s.fleet)} ${t(`green.${s.metric}`)}`, values: items.map((i) => i.fleets?.[s.fleet]?.[s.metric]) }));
    // Target lines as the latest snapshot evaluated them (distinct target values only).
    const latest = items[items.length - 1].fleets ?? {};
    const targets = [];
    for (const fleet of ['bus', 'taxi']) {
      for (const target of latest[fleet]?.targets ?? []) {
        if (!shareMetrics.includes(target.metric) || targets.some((x) => x.value === target.target)) continue;
        targets.push({ value: target.target, label: t('green.target', { pct: percent(target.target, 0) }) });
      }
    }
    const all = items.map((i) => i.fleets?.all);
    return h(
      'div',
      { class: 'trends', dataset: { testid: 'green-trends' } },
      h(
        'figure',
        {},
        h('figcaption', {}, t('green.trendShares')),
        lineChart({ title: t('green.trendShares'), labels, series, targets, yMax: 1, formatY: (v) => `${Math.round(v * 100)}%` }),
        legend(series),
        targets.length === 0 ? h('p', { class: 'muted small' }, t('green.noTarget')) : null,
      ),
      h(
        'figure',
        {},
        h('figcaption', {}, `${t('green.electricVehicleKm')} (${categoryLabel('all')})`),
        barChart({ title: t('green.electricVehicleKm'), labels, values: all.map((m) => m?.electricVehicleKm), formatY: (v) => number(v, v < 10 && v > 0 ? 1 : 0), className: 's1' }),
      ),
      h(
        'figure',
        {},
        h('figcaption', {}, `${t('green.co2AvoidedKg')} (kg, ${categoryLabel('all')})`),
        barChart({ title: t('green.co2AvoidedKg'), labels, values: all.map((m) => m?.co2AvoidedKg), formatY: (v) => number(v, v < 10 && v > 0 ? 1 : 0), className: 's2' }),
      ),
    );
  }

  function cityTable() {
    const rows = [...state.byScope.values()].filter((m) => m.scope.startsWith('city#')).sort((a, b) => (a.scope < b.scope ? -1 : 1));
    if (rows.length === 0) return null;
    const cell = (m, fleet, metric) => {
      const figures = m.periods?.day?.fleets?.[fleet];
      // A share of no vehicles is not 0 %: show a dash where the city has none of the fleet registered.
      const v = figures && figures.registered > 0 ? figures[metric] : undefined;
      return h('td', { class: 'num' }, v === undefined ? '–' : percent(v));
    };
    return h(
      'div',
      { class: 'table-wrap' },
      h('h3', {}, t('green.byCity'), h('span', { class: 'muted small' }, ` · ${t('green.period.day')}`)),
      h(
        'table',
        { dataset: { testid: 'green-city-table' } },
        h(
          'thead',
          {},
          h('tr', {}, h('th', {}, t('green.city')), ['bus', 'taxi'].flatMap((f) => shareMetrics.map((metric) => h('th', { class: 'num' }, `${categoryLabel(f)} ${t(`green.${metric}`)}`)))),
        ),
        h(
          'tbody',
          {},
          rows.map((m) => h('tr', { dataset: { scope: m.scope } }, h('td', {}, cityName(m.scope.slice(5), currentLang()) ?? m.city), ['bus', 'taxi'].flatMap((f) => shareMetrics.map((metric) => cell(m, f, metric))))),
        ),
      ),
    );
  }

  function setScope(city) {
    state.city = city;
    void load();
  }

  function setPeriod(period) {
    state.period = period;
    void load();
  }

  function controls() {
    const citySelect = h(
      'select',
      { dataset: { testid: 'green-scope' }, 'aria-label': t('green.scope'), onchange: (e) => setScope(e.target.value) },
      h('option', { value: '' }, t('green.province')),
      cities.map((c) => h('option', { value: c.code }, c[currentLang()])),
    );
    citySelect.value = state.city;
    const periodSelect = h(
      'select',
      { dataset: { testid: 'green-period' }, 'aria-label': t('green.period'), onchange: (e) => setPeriod(e.target.value) },
      ['hour', 'day', 'month'].map((p) => h('option', { value: p }, t(`green.period.${p}`))),
    );
    periodSelect.value = state.period;
    return h('div', { class: 'controls' }, h('label', {}, t('green.scope'), citySelect), h('label', {}, t('green.period'), periodSelect));
  }

  function render() {
    fill(
      root,
      controls(),
      state.error ? h('p', { class: 'error', role: 'alert' }, t('green.loadFailed', { message: state.error.message })) : null,
      figures(),
      trends(),
      cityTable(),
    );
    root.dataset.state = state.current ? 'loaded' : 'empty';
  }

  return { load, onMessage, render };
}

