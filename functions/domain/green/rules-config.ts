/**
 * The one configuration of the green-transport metrics (绿色交通: 新能源 / 清洁能源 shares, electric vehicle-km,
 * CO₂ avoided). Every number carries its source and a confidence tag (see docs/green-metrics.md and
 * /work/shared/reference/domain-rules.md §D):
 *   P = primary text, S = secondary source, D = derived by arithmetic or a documented policy decision,
 *   U = not confirmed in any source: a placeholder that must stay configurable.
 *
 * Override with `defineGreenRules({ ... })`, never by mutating `defaultGreenRules` (it is deep-frozen). Arrays
 * (energy-type lists, targets, cities) are replaced whole by an override.
 */
import type { EnergyType, VehicleCategory } from '../../contracts/vehicle.v1.ts';
import { type Confidence, type DeepPartial, deepFreeze, deepMerge, type Sourced } from '../configuration.ts';

export type { Confidence, DeepPartial, Sourced };

/** Liquid fuels with a CO₂ factor per litre. */
export type FuelKind = 'diesel' | 'gasoline';

/**
 * Which fuel an energy type burns: a fuel kind, 'baseline' = the fuel of the category's baseline vehicle (hybrids and
 * plug-in hybrids: diesel for a bus, petrol for a taxi), or null = no liquid fuel accounted (electricity, hydrogen, and
 * natural gas, which is metered in m³ or kg, not litres).
 */
export type FuelOf = FuelKind | 'baseline' | null;

/** The share metrics a target can be set on (values in 0…1). */
export type TargetMetric =
  | 'newEnergyShare'
  | 'cleanEnergyShare'
  | 'activeNewEnergyShare'
  | 'activeCleanEnergyShare'
  | 'electricKmShare';

export type Fleet = VehicleCategory | 'all';

export interface GreenTarget {
  /** Stable id, reported with the progress. */
  readonly targetId: string;
  readonly fleet: Fleet;
  readonly metric: TargetMetric;
  /** 0…1. */
  readonly target: number;
  /** Where the target is evaluated: the whole province, and/or every city separately. */
  readonly scopes: readonly ('province' | 'city')[];
  /** Year by which the target applies, informative. */
  readonly byYear?: number;
  readonly source: string;
  readonly confidence: Confidence;
  readonly note?: string;
}

export interface CityCode {
  /** Canonical name as in the registry, e.g. 海口市. */
  readonly name: string;
  /** GB/T 2260 six-digit code, used in MQTT topics. */
  readonly code: string;
  /** Other spellings accepted by cityCodeOf (short forms). */
  readonly aliases: readonly string[];
  readonly source: string;
  readonly confidence: Confidence;
}

export interface BaselineVehicle {
  readonly fuel: FuelKind;
  readonly lPer100Km: number;
}

export interface PlausibilityRules {
  /** An odometer delta implying more than this speed between two reports (or a negative delta) is a jump. */
  readonly maxOdometerSpeedKmh: Sourced<number>;
  /** Resolution slack added to every distance bound (odometers count in 0.1 km; positions jitter). */
  readonly distanceSlackKm: Sourced<number>;
  /** A positional distance implying more than this speed is a GPS spike: the interval counts 0 km. */
  readonly maxPositionSpeedKmh: Sourced<number>;
  /** An energy-counter delta above maxKWhPerKm × km + maxIdleKW × hours + slack is implausible (estimate instead). */
  readonly maxKWhPerKm: Sourced<number>;
  readonly maxIdleKW: Sourced<number>;
  readonly energySlackKWh: Sourced<number>;
  /** Likewise for the fuel counter. */
  readonly maxLPerKm: Sourced<number>;
  readonly maxIdleLPerH: Sourced<number>;
  readonly fuelSlackL: Sourced<number>;
}

export interface GreenRules {
  /** 新能源汽车. */
  readonly newEnergyTypes: Sourced<readonly EnergyType[]>;
  /** 清洁能源汽车 (Hainan): new energy plus natural gas. */
  readonly cleanEnergyTypes: Sourced<readonly EnergyType[]>;
  readonly fuelOf: Sourced<{ readonly [E in EnergyType]: FuelOf }>;
  readonly emissionFactors: {
    readonly gridKgCo2PerKWh: Sourced<number>;
    readonly fuelKgCo2PerL: { readonly [F in FuelKind]: Sourced<number> };
  };
  /** New-energy vehicles without a usable energy counter: kWh = km × this / 100. */
  readonly electricKWhPer100Km: { readonly [C in VehicleCategory]: Sourced<number> };
  /**
   * The conventional vehicle a new-energy vehicle of the category replaces (CO₂ baseline), and the consumption of
   * conventional vehicles of the category without a usable fuel counter.
   */
  readonly baseline: { readonly [C in VehicleCategory]: Sourced<BaselineVehicle> };
  /** Non-plug-in hybrids without a fuel counter: baseline consumption × this. */
  readonly hybridFuelRatio: Sourced<number>;
  /** PHEV interval without a usable energy counter: this share of its km counts as electric. */
  readonly phevElectricKmShare: Sourced<number>;
  readonly plausibility: PlausibilityRules;
  readonly targets: readonly GreenTarget[];
  readonly cities: readonly CityCode[];
}

const D1 = 'domain-rules §D1: 新能源汽车 = BEV, PHEV (incl. range-extended), FCEV — Hainan plan (m.yybnet.net 2019-03)';
const D1_CLEAN = 'domain-rules §D1: Hainan 清洁能源汽车 = NEV or other clean energy, e.g. natural gas (m.yybnet.net 2019-03)';
const D3 = 'domain-rules §D3';
const D4 = 'domain-rules §D4';
const QIONGJIAN = 'Qiongjian engineering decision (no source)';
const AIR_PLAN =
  '海南省清洁能源汽车发展规划 (2019) / 2024–25 air-quality action plan: 公务车、公交车、巡游出租车、分时租赁 clean-energy ratio → 100 % ' +
  '(chinanews.com.cn 2024-06-04, domain-rules §D2)';
const GB2260 =
  'GB/T 2260 中华人民共和国行政区划代码 (民政部 published list), as given in issue 4; not re-checked against the primary table here';

function u(value: number, note?: string): Sourced<number> {
  return note === undefined ? { value, source: QIONGJIAN, confidence: 'U' } : { value, source: QIONGJIAN, confidence: 'U', note };
}

function city(name: string, code: string, aliases: readonly string[]): CityCode {
  return { name, code, aliases, source: GB2260, confidence: 'S' };
}

const PLACEHOLDER_KWH = 'No source for this category (domain-rules §D4 covers buses and taxis only); configure from operator data.';
const PLACEHOLDER_L = 'No source (domain-rules §F item 9); configure from operator data.';

export const defaultGreenRules: GreenRules = deepFreeze<GreenRules>({
  newEnergyTypes: { value: ['bev', 'phev', 'fcev'], source: D1, confidence: 'S' },
  cleanEnergyTypes: {
    value: ['bev', 'phev', 'fcev', 'cng', 'lng'],
    source: D1_CLEAN,
    confidence: 'S',
    note: 'The exact inclusion list is [U] (§D1); natural gas (CNG, LNG) is the "other clean energy" named. Non-plug-in hybrids are not included.',
  },
  fuelOf: {
    value: {
      bev: null,
      fcev: null,
      cng: null,
      lng: null,
      diesel: 'diesel',
      gasoline: 'gasoline',
      hybrid: 'baseline',
      phev: 'baseline',
    },
    source: QIONGJIAN,
    confidence: 'D',
    note: 'Hybrids burn the fuel of the category baseline (diesel bus, petrol taxi). Natural gas is not in litres: not accounted in fuelL.',
  },
  emissionFactors: {
    gridKgCo2PerKWh: {
      value: 0.3869,
      source: `${D3}: 2022 South China regional grid (南方) average emission factor, MEE/NBS announcement 2024-12`,
      confidence: 'S',
      note: 'Hainan provincial factor not found [U]; Hainan is in the China Southern Power Grid region. National 2022: 0.5366.',
    },
    fuelKgCo2PerL: {
      diesel: {
        value: 2.68,
        source: `${D3}: IPCC 74 100 kg CO₂/TJ × NCV 43 TJ/Gg = 3.186 kg/kg × density 0.84 kg/L`,
        confidence: 'D',
        note: 'Density 0.84 kg/L is [U].',
      },
      gasoline: {
        value: 2.27,
        source: `${D3}: IPCC default 69 300 kg CO₂/TJ × 44.3 TJ/Gg ≈ 3.07 kg/kg × density 0.74 kg/L`,
        confidence: 'U',
        note: 'Not found in a source (§F item 9).',
      },
    },
  },
  electricKWhPer100Km: {
    bus: {
      value: 110,
      source: `${D4}: 12 m e-bus ≈ 104 kWh/100 km (BYD K9, ngtnews) … 129.6 kWh/100 km (BYD Madrid)`,
      confidence: 'S',
      note: 'Within the sourced range 104–130, towards the low end (Hainan: warm climate, no heating, but air conditioning).',
    },
    taxi: { value: 15, source: `${D4}: e-taxi ≈ 15 kWh/100 km (Beijing Yanqing pilot, news.sohu.com 2011-03-03)`, confidence: 'S' },
    coach: u(100, PLACEHOLDER_KWH),
    charter: u(100, PLACEHOLDER_KWH),
    hazmat: u(130, PLACEHOLDER_KWH),
    'heavy-truck': u(130, PLACEHOLDER_KWH),
    tractor: u(150, PLACEHOLDER_KWH),
    other: u(20, PLACEHOLDER_KWH),
  },
  baseline: {
    bus: {
      value: { fuel: 'diesel', lPer100Km: 35 },
      source: `${D4}: diesel 12 m city bus 30–40 L/100 km`,
      confidence: 'U',
      note: 'Middle of the unconfirmed range (§F item 9); replace with operator data.',
    },
    taxi: {
      value: { fuel: 'gasoline', lPer100Km: 7 },
      source: `${D4}: petrol taxi 7 L/100 km (Beijing Yanqing pilot, news.sohu.com 2011-03-03)`,
      confidence: 'S',
    },
    coach: { value: { fuel: 'diesel', lPer100Km: 25 }, source: QIONGJIAN, confidence: 'U', note: PLACEHOLDER_L },
    charter: { value: { fuel: 'diesel', lPer100Km: 25 }, source: QIONGJIAN, confidence: 'U', note: PLACEHOLDER_L },
    hazmat: { value: { fuel: 'diesel', lPer100Km: 35 }, source: QIONGJIAN, confidence: 'U', note: PLACEHOLDER_L },
    'heavy-truck': { value: { fuel: 'diesel', lPer100Km: 35 }, source: QIONGJIAN, confidence: 'U', note: PLACEHOLDER_L },
    tractor: { value: { fuel: 'diesel', lPer100Km: 40 }, source: QIONGJIAN, confidence: 'U', note: PLACEHOLDER_L },
    other: { value: { fuel: 'gasoline', lPer100Km: 8 }, source: QIONGJIAN, confidence: 'U', note: PLACEHOLDER_L },
  },
  hybridFuelRatio: u(0.7, 'A non-plug-in hybrid is assumed to use 70 % of the conventional baseline; no source.'),
  phevElectricKmShare: u(
    0.5,
    'Only when the interval has no usable energy counter; with one, an interval is electric iff energy was drawn.',
  ),
  plausibility: {
    maxOdometerSpeedKmh: u(150, 'Faster odometer deltas are treated as counter jumps: the interval falls back to positions.'),
    distanceSlackKm: u(0.2, 'Two odometer steps of 0.1 km; without it short report intervals would read as jumps.'),
    maxPositionSpeedKmh: u(200, 'Same as the supervision maxJumpSpeedKmh: a faster position jump is a GPS spike (0 km).'),
    maxKWhPerKm: u(3, 'About twice a 12 m e-bus at its worst (1.3 kWh/km, §D4).'),
    maxIdleKW: u(30, 'Air conditioning and auxiliaries of a standing e-bus.'),
    energySlackKWh: u(0.5),
    maxLPerKm: u(1, 'About twice a loaded heavy truck.'),
    maxIdleLPerH: u(10),
    fuelSlackL: u(0.5),
  },
  targets: [
    {
      targetId: 'bus-clean-100',
      fleet: 'bus',
      metric: 'cleanEnergyShare',
      target: 1,
      scopes: ['province', 'city'],
      byYear: 2025,
      source: AIR_PLAN,
      confidence: 'S',
      note: 'Registered (stock) basis; vehicles for special use are exempt in the plan but not distinguished here.',
    },
    {
      targetId: 'taxi-clean-100',
      fleet: 'taxi',
      metric: 'cleanEnergyShare',
      target: 1,
      scopes: ['province', 'city'],
      byYear: 2025,
      source: AIR_PLAN,
      confidence: 'S',
      note: '巡游出租车; cruising taxis were to be fully clean-energy by end-2020 (§D2).',
    },
    {
      targetId: 'province-nev-stock-20',
      fleet: 'all',
      metric: 'newEnergyShare',
      target: 0.2,
      scopes: ['province'],
      byYear: 2025,
      source: '2024–25 air-quality action plan: NEV ≥ 20 % of the car stock (chinanews.com.cn 2024-06-04, domain-rules §D2)',
      confidence: 'S',
      note: 'The plan counts every car in Hainan; here only the registered (commercial) fleet is measured [D].',
    },
  ],
  cities: [
    city('海口市', '460100', ['海口']),
    city('三亚市', '460200', ['三亚']),
    city('三沙市', '460300', ['三沙']),
    city('儋州市', '460400', ['儋州']),
    city('五指山市', '469001', ['五指山']),
    city('琼海市', '469002', ['琼海']),
    city('文昌市', '469005', ['文昌']),
    city('万宁市', '469006', ['万宁']),
    city('东方市', '469007', ['东方']),
    city('定安县', '469021', ['定安']),
    city('屯昌县', '469022', ['屯昌']),
    city('澄迈县', '469023', ['澄迈']),
    city('临高县', '469024', ['临高']),
    city('白沙黎族自治县', '469025', ['白沙', '白沙县']),
    city('昌江黎族自治县', '469026', ['昌江', '昌江县']),
    city('乐东黎族自治县', '469027', ['乐东', '乐东县']),
    city('陵水黎族自治县', '469028', ['陵水', '陵水县']),
    city('保亭黎族苗族自治县', '469029', ['保亭', '保亭县']),
    city('琼中黎族苗族自治县', '469030', ['琼中', '琼中县']),
  ],
});

/**
 * Builds a frozen configuration from the defaults and a partial override. Arrays are replaced whole.
 * Sources must be overridden together with values: an override without a new `source` keeps the old citation.
 */
export function defineGreenRules(override: DeepPartial<GreenRules>, base: GreenRules = defaultGreenRules): GreenRules {
  return deepFreeze(deepMerge(base, override) as GreenRules);
}

const cityIndexCache = new WeakMap<readonly CityCode[], ReadonlyMap<string, CityCode>>();

function cityIndex(rules: GreenRules): ReadonlyMap<string, CityCode> {
  let index = cityIndexCache.get(rules.cities);
  if (index === undefined) {
    const m = new Map<string, CityCode>();
    for (const c of rules.cities) {
      m.set(c.name, c);
      for (const a of c.aliases) if (!m.has(a)) m.set(a, c);
    }
    index = m;
    cityIndexCache.set(rules.cities, index);
  }
  return index;
}

/** The configured city for a registry city name or alias (whitespace trimmed), or undefined. */
export function cityOf(city: string, rules: GreenRules = defaultGreenRules): CityCode | undefined {
  return cityIndex(rules).get(city.trim());
}

/** GB/T 2260 code of a city (name or alias), e.g. 海口市 → '460100'; undefined for a city not configured. */
export function cityCodeOf(city: string, rules: GreenRules = defaultGreenRules): string | undefined {
  return cityOf(city, rules)?.code;
}

/** The canonical city name (configured name for a known alias; the trimmed input otherwise). */
export function canonicalCity(city: string, rules: GreenRules = defaultGreenRules): string {
  return cityOf(city, rules)?.name ?? city.trim();
}
