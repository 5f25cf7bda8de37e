// The island map: a simplified coastline (hainan.geojson, shipped with the site: no tiles, no internet), WIM
// stations coloured by the day's 超限率, vehicles' latest positions, the track of the vehicle whose detail is open;
// and the station table beside it. Stations (marker or table row) and vehicles (marker) open their detail.
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

// Markers are a few pixels wide; an invisible disc around each takes the clicks, 44 px across whatever the map's size.
const hitRadiusPx = 22;

export function createMap({ mapRoot, tableRoot, api, onStations, onStationClick, onVehicleClick }) {
  const state = { outline: undefined, stations: [], date: undefined, positions: [], error: undefined, selectedStation: undefined, selectedVehicle: undefined, track: undefined };

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

  /** Sizes the hit discs so that they are 44 px across on screen (the SVG is scaled to its box, aspect kept). */
  function sizeHits() {
    const svg = mapRoot.querySelector('svg.island');
    if (!svg) return;
    const box = svg.getBoundingClientRect();
    if (!(box.width > 0 && box.height > 0)) return;
    const r = (hitRadiusPx * Math.max(mapWidth / box.width, mapHeight / box.height)).toFixed(1);
    for (const hit of svg.querySelectorAll('.hit')) hit.setAttribute('r', r);
  }
  if (typeof ResizeObserver === 'function') new ResizeObserver(sizeHits).observe(mapRoot);

  /** A clickable marker: a group with the hit disc and the visible shape, opened by click, Enter or Space. */
  function marker(attrs, label, onOpen, ...shapes) {
    const g = s('g', { ...attrs, role: 'button', tabindex: 0, 'aria-label': label }, s('title', {}, label), s('circle', { class: 'hit', cx: shapes[0].cx, cy: shapes[0].cy, r: 50 }), ...shapes.map((shape) => shape.el));
    g.addEventListener('click', onOpen);
    g.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      event.preventDefault();
      onOpen();
    });
    return g;
  }

  function trackLayer() {
    const points = state.track?.points ?? [];
    const xy = points.filter((p) => typeof p.lat === 'number' && typeof p.lon === 'number').map((p) => project(p.lon, p.lat).map((v) => v.toFixed(1)).join(','));
    const layer = s('g', { class: 'track-layer' });
    if (!state.track) return layer;
    layer.append(s('polyline', { class: 'track', points: xy.join(' '), dataset: { testid: 'vehicle-track', deviceId: state.track.deviceId, points: String(xy.length) } }));
    if (xy.length > 0) {
      const [x0, y0] = xy[0].split(',');
      layer.append(s('circle', { class: 'track-start', cx: x0, cy: y0, r: 5 }, s('title', {}, `${t('vehicle.trackStart')} ${shanghaiDateTime(points[0].tsUtc)}`)));
    }
    return layer;
  }

  function renderMap() {
    const svg = s('svg', { viewBox: `0 0 ${mapWidth.toFixed(0)} ${mapHeight.toFixed(0)}`, class: 'island', role: 'group', 'aria-label': t('map.title') }, s('title', {}, t('map.title')));
    for (const ring of state.outline ?? []) {
      svg.append(s('path', { class: 'coast', d: `M${ring.map(([lon, lat]) => project(lon, lat).map((v) => v.toFixed(1)).join(',')).join('L')}Z` }));
    }
    const vehicles = s('g', { class: 'vehicles', dataset: { testid: 'map-vehicles' } });
    for (const p of state.positions) {
      if (typeof p.lat !== 'number' || typeof p.lon !== 'number') continue;
      const [x, y] = project(p.lon, p.lat).map((v) => v.toFixed(1));
      const label = `${p.plate ?? p.deviceId}${p.category ? ` · ${categoryLabel(p.category)}` : ''} · ${number(p.speedKmh, 0)} km/h · ${shanghaiDateTime(p.tsUtc)}`;
      const selected = p.deviceId === state.selectedVehicle;
      vehicles.append(
        marker(
          { class: `vehicle-marker ${selected ? 'selected' : ''}`, dataset: { testid: 'vehicle-marker', deviceId: p.deviceId } },
          label,
          () => onVehicleClick?.(p),
          { cx: x, cy: y, el: s('circle', { class: `vehicle cat-${p.category ?? 'other'} ${p.online === false ? 'offline' : ''}`, cx: x, cy: y, r: selected ? 6 : 3.5 }) },
        ),
      );
    }
    const stations = s('g', { class: 'stations', dataset: { testid: 'map-stations' } });
    for (const st of state.stations) {
      if (typeof st.lat !== 'number' || typeof st.lon !== 'number') continue;
      const [px, py] = project(st.lon, st.lat);
      const [x, y] = [px.toFixed(1), py.toFixed(1)];
      const rate = st.day?.rates?.overLimitRate;
      const selected = st.stationId === state.selectedStation;
      const size = selected ? 18 : 12;
      stations.append(
        marker(
          { class: `station-marker ${selected ? 'selected' : ''}`, dataset: { testid: 'station-marker', stationId: st.stationId } },
          `${st.name} · ${t('stations.rate')} ${percent(rate)}`,
          () => onStationClick?.(st.stationId),
          {
            cx: x,
            cy: y,
            el: s('rect', { class: `station ${rateClass(rate)}`, x: (px - size / 2).toFixed(1), y: (py - size / 2).toFixed(1), width: size, height: size, rx: 2, transform: `rotate(45 ${x} ${y})` }),
          },
        ),
      );
    }
    svg.append(trackLayer(), vehicles, stations);
    fill(
      mapRoot,
      svg,
      h(
        'div',
        { class: 'map-legend' },
        h('span', { class: 'key station-key' }, `${t('map.stations')} (${state.stations.length})`),
        h('span', { class: 'key vehicle-key' }, `${t('map.vehicles')} (${state.positions.length})`),
        state.track ? h('span', { class: 'key track-key' }, t('map.track')) : null,
        h('span', { class: 'muted small' }, t('map.note')),
      ),
      state.error ? h('p', { class: 'error small' }, t('map.loadFailed', { message: state.error.message })) : null,
    );
    sizeHits();
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
              // The whole row opens the station's day; the button in it is the keyboard's way in (its click bubbles).
              return h(
                'tr',
                { class: `clickable ${st.stationId === state.selectedStation ? 'selected' : ''}`, dataset: { testid: 'station-row', stationId: st.stationId }, onclick: () => onStationClick?.(st.stationId) },
                h(
                  'td',
                  { class: 'station-name' },
                  h('button', { type: 'button', class: 'row-open', dataset: { testid: 'station-open' } }, st.road ? h('span', { class: 'road' }, st.road) : null, ' ', st.name ?? st.stationId),
                ),
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

  return {
    root: mapRoot,
    load,
    render,
    stationName: (id) => state.stations.find((st) => st.stationId === id)?.name,
    station: (id) => state.stations.find((st) => st.stationId === id),
    /** Highlights a station (marker and row) and/or a vehicle; undefined clears. */
    select({ stationId, deviceId } = {}) {
      state.selectedStation = stationId;
      state.selectedVehicle = deviceId;
      render();
    },
    /** The track drawn under the vehicles: { deviceId, points: [{ lat, lon, tsUtc }] oldest first }, or undefined. */
    setTrack(track) {
      state.track = track;
      renderMap();
    },
  };
}
