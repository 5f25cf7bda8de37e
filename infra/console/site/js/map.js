// The island map: a simplified coastline (hainan.geojson, shipped with the site: no tiles, no internet), WIM
// stations coloured by the day's 超限率, vehicles' latest positions; and the station table beside it.
import { t } from './i18n.js';
import { categoryLabel, fill, h, number, percent, shanghaiDate, shanghaiDateTime } from './format.js';

const svgNs = 'http://www.w3.org/2000/svg';
// Equirectangular around Hainan's mid-latitude: at 19° the error of a flat projection is far below the outline's own.
const bounds = { west: 108.5, east: 111.15, south: 18.05, north: 20.25 };
const cosLat = Math.cos((19.2 * Math.PI) / 180);
const scale = 400;
const mapWidth = (bounds.east - bounds.west) * cosLat * scale;
const mapHeight = (bounds.north - bounds.south) * scale;

export function project(lon, lat) {
  return [(lon - bounds.west) * cosLat * scale, (bounds.north - lat) * scale];
}

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child) el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return el;
}

/** 0 → green, ≥ 10 % → red: the colour class of a station's rate. */
function rateClass(rate) {
  if (!(rate > 0)) return 'rate-0';
  if (rate < 0.02) return 'rate-low';
  if (rate < 0.05) return 'rate-mid';
  return 'rate-high';
}

export function createMap({ mapRoot, tableRoot, api, onStations }) {
  const state = { outline: undefined, stations: [], date: undefined, positions: [], error: undefined };

  async function loadOutline() {
    const response = await fetch(new URL('../hainan.geojson', import.meta.url));
    const geo = await response.json();
    state.outline = geo.features.flatMap((f) => (f.geometry.type === 'Polygon' ? [f.geometry.coordinates[0]] : f.geometry.coordinates.map((p) => p[0])));
  }

  async function loadStations() {
    try {
      const body = await api.get('/overload/stations', { date: shanghaiDate(Date.now()) });
      state.stations = body.items ?? [];
      state.date = body.date;
      onStations?.(state.stations);
    } catch (error) {
      state.error = error;
    }
  }

  async function loadPositions() {
    try {
      state.positions = await api.all('/supervision/positions', { limit: 500 }, 3000);
    } catch (error) {
      if (error.status !== 403) state.error = error;
    }
  }

  async function load() {
    state.error = undefined;
    await Promise.all([state.outline ? undefined : loadOutline().catch((e) => (state.error = e)), loadStations(), loadPositions()]);
    render();
  }

  function renderMap() {
    const svg = s('svg', { viewBox: `0 0 ${mapWidth.toFixed(0)} ${mapHeight.toFixed(0)}`, class: 'island', role: 'img', 'aria-label': t('map.title') }, s('title', {}, t('map.title')));
    for (const ring of state.outline ?? []) {
      svg.append(s('path', { class: 'coast', d: `M${ring.map(([lon, lat]) => project(lon, lat).map((v) => v.toFixed(1)).join(',')).join('L')}Z` }));
    }
    const vehicles = s('g', { class: 'vehicles', dataset: { testid: 'map-vehicles' } });
    for (const p of state.positions) {
      if (typeof p.lat !== 'number' || typeof p.lon !== 'number') continue;
      const [x, y] = project(p.lon, p.lat);
      vehicles.append(
        s('circle', { class: `vehicle cat-${p.category ?? 'other'} ${p.online === false ? 'offline' : ''}`, cx: x.toFixed(1), cy: y.toFixed(1), r: 3.5, dataset: { deviceId: p.deviceId } },
          s('title', {}, `${p.plate ?? p.deviceId}${p.category ? ` · ${categoryLabel(p.category)}` : ''} · ${number(p.speedKmh, 0)} km/h · ${shanghaiDateTime(p.tsUtc)}`)),
      );
    }
    const stations = s('g', { class: 'stations', dataset: { testid: 'map-stations' } });
    for (const st of state.stations) {
      if (typeof st.lat !== 'number' || typeof st.lon !== 'number') continue;
      const [x, y] = project(st.lon, st.lat);
      const rate = st.day?.rates?.overLimitRate;
      stations.append(
        s('rect', { class: `station ${rateClass(rate)}`, x: (x - 6).toFixed(1), y: (y - 6).toFixed(1), width: 12, height: 12, rx: 2, transform: `rotate(45 ${x.toFixed(1)} ${y.toFixed(1)})`, dataset: { stationId: st.stationId } },
          s('title', {}, `${st.name} · ${t('stations.rate')} ${percent(rate)}`)),
      );
    }
    svg.append(vehicles, stations);
    fill(
      mapRoot,
      svg,
      h(
        'div',
        { class: 'map-legend' },
        h('span', { class: 'key station-key' }, `${t('map.stations')} (${state.stations.length})`),
        h('span', { class: 'key vehicle-key' }, `${t('map.vehicles')} (${state.positions.length})`),
        h('span', { class: 'muted small' }, t('map.note')),
      ),
      state.error ? h('p', { class: 'error small' }, t('map.loadFailed', { message: state.error.message })) : null,
    );
  }

  function renderTable() {
    if (state.stations.length === 0) {
      tableRoot.replaceChildren(h('p', { class: 'empty' }, t('stations.empty')));
      return;
    }
    const sorted = [...state.stations].sort((a, b) => (b.day?.rates?.overLimitRate ?? 0) - (a.day?.rates?.overLimitRate ?? 0));
    fill(
      tableRoot,
      h('p', { class: 'muted small' }, `${t('stations.date')} ${state.date ?? ''}`),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { dataset: { testid: 'station-table' } },
          h(
            'thead',
            {},
            h('tr', {}, h('th', {}, t('stations.name')), ...['stations.trucks', 'stations.overLimit', 'stations.rate', 'stations.rate10', 'stations.rate20'].map((k) => h('th', { class: 'num' }, t(k)))),
          ),
          h(
            'tbody',
            {},
            sorted.map((st) => {
              const rates = st.day?.rates ?? {};
              return h(
                'tr',
                { dataset: { testid: 'station-row', stationId: st.stationId } },
                h('td', { class: 'station-name' }, st.road ? h('span', { class: 'road' }, st.road) : null, ' ', st.name ?? st.stationId),
                h('td', { class: 'num' }, number(st.day?.trucksWeighed ?? 0)),
                h('td', { class: 'num' }, number(st.day?.overLimit ?? 0)),
                h('td', { class: `num ${rateClass(rates.overLimitRate)}`, dataset: { testid: 'station-rate' } }, percent(rates.overLimitRate)),
                h('td', { class: 'num' }, percent(rates.overLimitRateExcluding10)),
                h('td', { class: 'num' }, percent(rates.overLimitRateExcluding20)),
              );
            }),
          ),
        ),
      ),
    );
  }

  function render() {
    renderMap();
    renderTable();
  }

  return { load, render, stationName: (id) => state.stations.find((st) => st.stationId === id)?.name };
}
