// A vehicle's detail in the side panel: registry entry, latest position, connection and driving clocks
// (GET /supervision/vehicles/{deviceId}), its track of the last 2 h drawn on the map until the panel closes
// (GET /supervision/vehicles/{deviceId}/track, oldest first, every page) and its violations of the last 24 h
// (GET /supervision/violations?deviceId=). Those routes are the supervisor role's; other roles see what the
// positions listing already has.
import { supervisionFacts } from './feed.js';
import { t } from './i18n.js';
import { categoryLabel, h, number, shanghaiDateTime, shanghaiTime } from './format.js';

const trackSpanMs = 2 * 3_600_000;
const violationSpanMs = 24 * 3_600_000;
const maxTrackPoints = 20_000;

export function createVehicleDetail({ panel, api, canDetail, map }) {
  let shown; // { position, detail?, track?, violations?, errors: {} }
  let seq = 0;

  function show(content) {
    const { position, detail } = shown;
    const plate = detail?.vehicle?.plate ?? position.plate;
    panel.show({
      owner: 'vehicle',
      title: `${t('vehicle.title')} · ${plate ?? position.deviceId}`,
      content: [h('section', { class: 'vehicle-detail', dataset: { testid: 'vehicle-detail', deviceId: position.deviceId } }, content)],
      data: { kind: 'vehicle', deviceId: position.deviceId },
      onClose: () => {
        shown = undefined;
        seq++;
        map.setTrack(undefined);
        map.select({});
      },
    });
  }

  async function open(position) {
    const mine = ++seq;
    shown = { position, errors: {} };
    // Shown first: taking the panel over from another owner lets that one clear its own selection before ours is set.
    render();
    map.setTrack(undefined);
    map.select({ deviceId: position.deviceId });
    revealMap();
    if (!canDetail) return;
    const id = encodeURIComponent(position.deviceId);
    const now = Date.now();
    const [detail, track, violations] = await Promise.allSettled([
      api.get(`/supervision/vehicles/${id}`),
      api.all(`/supervision/vehicles/${id}/track`, { from: new Date(now - trackSpanMs).toISOString(), to: new Date(now).toISOString(), limit: 1000 }, maxTrackPoints),
      api.all('/supervision/violations', { deviceId: position.deviceId, from: new Date(now - violationSpanMs).toISOString(), to: new Date(now).toISOString(), limit: 100 }, 500),
    ]);
    if (mine !== seq) return;
    const settle = (result, key) => {
      if (result.status === 'fulfilled') shown[key] = result.value;
      else shown.errors[key] = result.reason;
    };
    settle(detail, 'detail');
    settle(track, 'track');
    settle(violations, 'violations');
    if (shown.track) map.setTrack({ deviceId: position.deviceId, points: shown.track });
    render();
  }

  /** On a portrait tablet the panel is a sheet over the lower half: scroll the map above it, where the track goes. */
  function revealMap() {
    const sheetTop = panel.root.getBoundingClientRect().top;
    const box = map.root.getBoundingClientRect();
    if (sheetTop > 0 && (box.top < 0 || box.bottom > sheetTop)) map.root.scrollIntoView({ block: 'start' });
  }

  function render() {
    if (!shown) return;
    const { position, detail, track, violations, errors } = shown;
    if (!canDetail) {
      show([positionFacts(position), h('p', { class: 'muted small', dataset: { testid: 'vehicle-limited' } }, t('vehicle.limitedRole'))]);
      return;
    }
    const loading = !detail && !errors.detail;
    show([
      errors.detail ? h('p', { class: 'error', role: 'alert' }, t('vehicle.failed', { message: errors.detail.message })) : null,
      detail ? detailFacts(detail, position) : positionFacts(position),
      loading ? h('p', { class: 'muted' }, t('station.loading')) : null,
      detail ? drivingFacts(detail.driving) : null,
      h('h3', {}, t('vehicle.track')),
      errors.track
        ? h('p', { class: 'error small' }, t('vehicle.trackFailed', { message: errors.track.message }))
        : track
          ? h(
              'p',
              { class: 'small', dataset: { testid: 'vehicle-track-summary', points: String(track.length) } },
              track.length === 0 ? t('vehicle.trackEmpty') : t('vehicle.trackPoints', { n: number(track.length), from: shanghaiTime(track[0].tsUtc), to: shanghaiTime(track[track.length - 1].tsUtc) }),
            )
          : h('p', { class: 'muted small' }, t('station.loading')),
      h('h3', {}, t('vehicle.violations')),
      errors.violations
        ? h('p', { class: 'error small' }, t('vehicle.violationsFailed', { message: errors.violations.message }))
        : violations
          ? violationList(violations)
          : h('p', { class: 'muted small' }, t('station.loading')),
    ]);
  }

  return {
    open,
    reopen: () => (shown && panel.owner() === 'vehicle' ? render() : undefined),
  };
}

function facts(rows) {
  return h(
    'dl',
    { class: 'facts' },
    rows
      .filter(([, value]) => value !== undefined && value !== null && value !== '')
      .flatMap(([label, value, testid]) => [h('dt', {}, label), h('dd', testid ? { dataset: { testid } } : {}, value)]),
  );
}

function energyLabel(type) {
  if (!type) return undefined;
  const key = `energy.${type}`;
  const label = t(key);
  return label === key ? type : label;
}

function onlineText(online, sinceUtc) {
  if (online === undefined || online === null) return t('vehicle.connectionUnknown');
  const state = h('span', { class: online ? 'status online' : 'status offline' }, online ? t('vehicle.online') : t('vehicle.offline'));
  return sinceUtc ? h('span', {}, state, ` · ${t('vehicle.since', { at: shanghaiDateTime(sinceUtc) })}`) : state;
}

function where(lat, lon) {
  return typeof lat === 'number' && typeof lon === 'number' ? `${lat.toFixed(5)}, ${lon.toFixed(5)}` : undefined;
}

/** What the positions listing has (every role). */
function positionFacts(p) {
  return facts([
    [t('vehicle.plate'), p.plate ?? t('vehicle.notRegistered'), 'vehicle-plate'],
    [t('vehicle.device'), p.deviceId],
    [t('vehicle.category'), p.category ? categoryLabel(p.category) : undefined],
    [t('vehicle.operator'), p.operator],
    [t('vehicle.energy'), energyLabel(p.fuelType)],
    [t('vehicle.position'), where(p.lat, p.lon)],
    [t('vehicle.speed'), `${number(p.speedKmh, 1)} km/h`],
    [t('vehicle.reportedAt'), shanghaiDateTime(p.tsUtc)],
    [t('vehicle.connection'), onlineText(p.online)],
  ]);
}

function detailFacts(detail, position) {
  const v = detail.vehicle;
  const latest = detail.latest;
  return facts([
    [
      t('vehicle.plate'),
      v ? `${v.plate}${v.plateColor ? ` (${t(`plateColor.${v.plateColor}`)})` : ''}` : (position.plate ?? t('vehicle.notRegistered')),
      'vehicle-plate',
    ],
    [t('vehicle.device'), detail.deviceId],
    [t('vehicle.category'), v?.category ? categoryLabel(v.category) : undefined],
    [t('vehicle.operator'), v?.operator],
    [t('vehicle.city'), v ? [v.city, v.county].filter(Boolean).join(' ') : undefined],
    [t('vehicle.energy'), energyLabel(v?.energyType)],
    [t('vehicle.inService'), v && v.inService === false ? t('vehicle.outOfService') : undefined],
    [t('vehicle.position'), latest ? where(latest.lat, latest.lon) : t('vehicle.noPosition')],
    [t('vehicle.speed'), latest ? `${number(latest.speedKmh, 1)} km/h` : undefined],
    [t('vehicle.reportedAt'), latest ? shanghaiDateTime(latest.tsUtc) : undefined],
    [t('vehicle.connection'), onlineText(detail.online, detail.connection?.sinceUtc), 'vehicle-online'],
  ]);
}

export function duration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '–';
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? t('vehicle.duration', { h: hours, m: String(minutes % 60).padStart(2, '0') }) : t('vehicle.durationMin', { m: minutes });
}

function drivingFacts(driving) {
  if (!driving) return null;
  return h(
    'div',
    { dataset: { testid: 'vehicle-driving' } },
    h('h3', {}, t('vehicle.driving')),
    driving.asOfUtc === null
      ? h('p', { class: 'muted small' }, t('vehicle.noDriving'))
      : facts([
          [t('vehicle.driver'), driving.currentDriverId ?? t('vehicle.noDriverId')],
          [t('vehicle.continuous'), duration(driving.continuousDrivingS), 'vehicle-continuous'],
          [t('vehicle.nightContinuous'), duration(driving.nightContinuousDrivingS)],
          [t('vehicle.today'), driving.drivingTodayS === null ? t('vehicle.notTracked') : duration(driving.drivingTodayS)],
          [
            t('vehicle.speeding'),
            driving.speeding
              ? h(
                  'span',
                  { class: 'fact over' },
                  t('vehicle.speedingValue', { at: shanghaiTime(driving.speeding.sinceUtc), limit: number(driving.speeding.limitKmh), peak: number(driving.speeding.peakSpeedKmh, 1) }),
                )
              : undefined,
          ],
          [t('vehicle.hazmatZones'), (driving.hazmatZonesInside ?? []).map((z) => `${z.zoneId} (${t('vehicle.since', { at: shanghaiTime(z.sinceUtc) })})`).join(t('list.separator'))],
          [t('vehicle.asOf'), shanghaiDateTime(driving.asOfUtc)],
        ]),
  );
}

function violationList(items) {
  if (items.length === 0) return h('p', { class: 'muted small', dataset: { testid: 'vehicle-violations', count: '0' } }, t('vehicle.violationsEmpty'));
  return h(
    'ol',
    { class: 'violation-list', dataset: { testid: 'vehicle-violations', count: String(items.length) } },
    items.map((v) =>
      h(
        'li',
        { dataset: { testid: 'vehicle-violation', violationId: v.violationId } },
        h(
          'span',
          { class: 'feed-head' },
          h('span', { class: 'kind supervision' }, t(`violation.${v.type}`)),
          h('time', { class: 'when', datetime: v.startAt }, `${shanghaiDateTime(v.startAt).slice(5, 16)} – ${v.endAt ? shanghaiTime(v.endAt).slice(0, 5) : t('vehicle.ongoing')}`),
        ),
        h('span', { class: 'feed-facts' }, supervisionFacts(v)),
      ),
    ),
  );
}
