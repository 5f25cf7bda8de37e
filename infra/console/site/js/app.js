// The console's entry point: config → sign-in → panels the role may see → live topics.
import { createApi } from './api.js';
import { can as canFor, roles, signIn } from './auth.js';
import { createFeed } from './feed.js';
import { createGreen } from './green.js';
import { createMap } from './map.js';
import { createPanel } from './panel.js';
import { createOffenders, createStationDetail } from './stations.js';
import { createVehicleDetail } from './vehicles.js';
import { h } from './format.js';
import { currentLang, onLangChange, setLang, t, translateDom } from './i18n.js';
import { connectLive, topicsFor } from './live.js';

const $ = (id) => document.getElementById(id);
const refreshMapMs = 60_000;
const recentViolationsMs = 24 * 3_600_000;
const refreshOffendersMs = 5 * 60_000;

function showBanner(text) {
  const banner = $('banner');
  banner.textContent = text;
  banner.hidden = false;
}

function setConnection(state) {
  const badge = $('connection');
  badge.dataset.state = state;
  badge.textContent = t(`conn.${state}`);
}

async function loadConfig() {
  const response = await fetch(new URL('../config.json', import.meta.url), { cache: 'no-store' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

function setUpHeader(config, session) {
  $('stage').textContent = config.stage ? `${t('stage')}: ${config.stage}${config.region ? ` · ${config.region}` : ''}` : '';
  $('user').textContent = session.kind === 'oidc' ? session.name : '';
  $('logout').hidden = session.kind !== 'oidc';
  $('logout').onclick = () => session.logout();
  const roleSelect = $('role');
  $('role-wrap').hidden = !session.canSwitchRole;
  roleSelect.replaceChildren(...roles.map((r) => h('option', { value: r }, t(`role.${r}`))));
  roleSelect.value = session.roles[0] ?? 'admin';
  roleSelect.onchange = () => session.switchRole(roleSelect.value);
  $('lang').onclick = () => setLang(currentLang() === 'zh' ? 'en' : 'zh');
}

async function main() {
  document.documentElement.lang = currentLang() === 'en' ? 'en-GB' : 'zh-CN';
  translateDom();
  setConnection('offline');
  let config;
  try {
    config = await loadConfig();
  } catch (error) {
    showBanner(t('config.failed', { message: error.message }));
    return;
  }
  let session;
  try {
    session = await signIn(config);
  } catch (error) {
    showBanner(t('auth.failed', { message: error.message }));
    return;
  }
  const can = (role) => canFor(session, role);
  document.body.dataset.roles = session.roles.join(' ');
  setUpHeader(config, session);
  const api = createApi(config.apiBaseUrl ?? '/api', session.token);

  const panel = createPanel($('evidence'));
  const map = createMap({
    mapRoot: $('map'),
    tableRoot: $('stations'),
    api,
    onStations: () => {
      feed.render();
      offenders?.render();
    },
    onStationClick: (stationId) => void stationDetail.open(stationId),
    onVehicleClick: (position) => void vehicleDetail.open(position),
  });
  const feed = createFeed({ root: $('feed'), panel, api, canAcknowledge: can('enforcement'), stationName: (id) => map.stationName(id) });
  // The station day and the offenders are the enforcement role's routes, the vehicle state, track and violations the
  // supervisor's (apiFunctions.*.routes in infra/topology.ts); other roles get what the listings already carry.
  const stationDetail = createStationDetail({ panel, api, canDay: can('enforcement'), station: (id) => map.station(id), onSelect: (stationId) => map.select({ stationId }) });
  const vehicleDetail = createVehicleDetail({ panel, api, canDetail: can('supervisor'), map });
  const offenders = can('enforcement') ? createOffenders({ root: $('offenders'), api, stationName: (id) => map.stationName(id) }) : undefined;
  $('offenders-card').hidden = !offenders;
  const green = can('operator') ? createGreen({ root: $('green'), api }) : undefined;
  $('green-card').hidden = !green;
  $('feed-card').hidden = !(can('enforcement') || can('supervisor'));
  feed.render();

  const feedErrors = [];
  const initial = [];
  if (can('enforcement')) {
    initial.push(
      api
        .all('/overload/alerts', { status: 'open', limit: 100 }, 300)
        .then((items) => {
          for (const item of items) feed.addOverload(item);
        })
        .catch((error) => feedErrors.push(error)),
    );
  }
  if (can('supervisor')) {
    const now = Date.now();
    initial.push(
      api
        .all('/supervision/violations', { from: new Date(now - recentViolationsMs).toISOString(), to: new Date(now).toISOString(), limit: 100 }, 300)
        .then((items) => {
          for (const item of items) feed.addSupervision(item);
        })
        .catch((error) => feedErrors.push(error)),
    );
  }
  initial.push(map.load());
  if (green) initial.push(green.load());
  if (offenders) initial.push(offenders.load());

  // Live topics right away: an alert published while the lists load is merged by its id, not lost.
  connectLive(config, session.token, topicsFor(can), {
    onState: setConnection,
    onMessage(topic, message) {
      if (topic.startsWith('alerts/overload/') && topic.endsWith('/acknowledgement')) feed.acknowledged(message);
      else if (topic.startsWith('alerts/overload/')) feed.addOverload(message, { fromLive: true });
      else if (topic.startsWith('alerts/supervision/')) feed.addSupervision(message, { fromLive: true });
      else if (topic === 'metrics/green' || topic.startsWith('metrics/green/')) green?.onMessage(message);
    },
  });

  await Promise.all(initial);
  if (feedErrors.length > 0) showBanner(t('feed.loadFailed', { message: feedErrors.map((e) => e.message).join('; ') }));
  document.body.dataset.ready = 'true';
  setInterval(() => void map.load(), refreshMapMs);
  if (offenders) setInterval(() => void offenders.load(), refreshOffendersMs);

  onLangChange(() => {
    translateDom();
    setUpHeader(config, session);
    setConnection($('connection').dataset.state);
    feed.render();
    void feed.reopen();
    map.render();
    green?.render();
    offenders?.render();
    stationDetail.reopen();
    vehicleDetail.reopen();
  });
}

void main();
