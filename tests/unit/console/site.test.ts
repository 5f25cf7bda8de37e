/**
 * The console site's pure parts, in Node: both dictionaries carry every label the scripts ask for, and a feed entry
 * reads the same facts from an API summary as from the live MQTT message (an alert seen both ways is one entry).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain browser ES module without types
import { overloadEntry, supervisionEntry } from '../../../infra/console/site/js/feed.js';
// @ts-expect-error plain browser ES module without types
import { dictionaries } from '../../../infra/console/site/js/i18n.js';
import { type OverloadAlertV1, overloadAlertV1 } from '../../../functions/contracts/overload-alert.v1.ts';
import { alertSummary } from '../../../functions/wim/api-routes.ts';

const siteJs = new URL('../../../infra/console/site/js/', import.meta.url);
const dict = dictionaries as Record<'zh' | 'en', Record<string, string>>;

describe('console labels', () => {
  it('Chinese and English have the same keys', () => {
    expect(Object.keys(dict.en).sort()).toEqual(Object.keys(dict.zh).sort());
  });

  it('every literal key the scripts translate exists', () => {
    const used = new Set<string>();
    for (const file of readdirSync(siteJs)) {
      for (const match of readFileSync(new URL(file, siteJs), 'utf8').matchAll(/\bt\('([a-zA-Z0-9_.-]+)'/g)) used.add(match[1] as string);
    }
    const html = readFileSync(new URL('../index.html', siteJs), 'utf8');
    for (const match of html.matchAll(/data-i18n(?:-[a-z]+)?="([a-zA-Z0-9_.-]+)"/g)) used.add(match[1] as string);
    expect(used.size).toBeGreaterThan(50);
    expect([...used].filter((key) => !(key in dict.zh))).toEqual([]);
  });

  it('placeholders agree between the languages', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const differing = Object.keys(dict.zh).filter((key) => JSON.stringify(placeholders(dict.zh[key] as string)) !== JSON.stringify(placeholders(dict.en[key] as string)));
    expect(differing).toEqual([]);
  });
});

// The documented example alert (docs/contracts.md, itself checked against the schema), made a height-only alert.
const contractsPage = readFileSync(new URL('../../../docs/contracts.md', import.meta.url), 'utf8');
const example = overloadAlertV1.parse(JSON.parse(/```json\n([\s\S]*?)```/.exec(contractsPage.slice(contractsPage.indexOf('## Overload alert v1')))?.[1] ?? ''));
const heightOnly: OverloadAlertV1 = {
  ...example,
  grossWeightKg: example.limitKg,
  overLimitKg: 0,
  overLimitRatio: 0,
  dimensionViolations: [{ dimension: 'height', measuredM: 4.12, limitM: 4, overM: 0.12, source: 'GB 1589-2016 4.1', fineRangeYuan: [200, 1000] }],
};

describe('feed entries', () => {
  it.each([
    ['a weight alert', example],
    ['a height-only alert', heightOnly],
  ])('%s reads the same from the API summary as from the live message', (_, message) => {
    const summary = alertSummary({
      alertId: message.alertId,
      stationId: message.stationId,
      recordId: message.recordId,
      measuredAtUtc: new Date(message.measuredAt).toISOString(),
      ...(message.plate === 'unknown' ? {} : { plateKey: `${message.plate}#${message.plateColor ?? 'yellow'}` }),
      band: message.band,
      overLimitKg: message.overLimitKg,
      grossWeightKg: message.grossWeightKg,
      hundredTonne: message.hundredTonne,
      status: 'open',
      publishedAt: message.raisedAt,
      alertJson: JSON.stringify(message),
    });
    const facts = (entry: Record<string, unknown>) => ({
      alertId: entry.alertId,
      plate: entry.plate,
      stationId: entry.stationId,
      stationName: entry.stationName,
      overLimitKg: entry.overLimitKg,
      overLimitRatio: entry.overLimitRatio,
      band: entry.band,
      measuredAtMs: Date.parse(entry.measuredAt as string),
      dimensions: (entry.dimensionViolations as Array<{ dimension: string; overM: number }>).map((d) => [d.dimension, d.overM]),
    });
    const fromApi = facts(overloadEntry(JSON.parse(JSON.stringify(summary))));
    expect(fromApi).toEqual(facts(overloadEntry(message)));
    expect(fromApi.dimensions).toEqual(message.dimensionViolations.map((d) => [d.dimension, d.overM]));
  });

  it('a supervision alert reads the same from the API listing as from the live message', () => {
    const item = {
      violationId: 'speeding:hn-coach-0001:D1:1795900000000',
      type: 'speeding',
      startAt: '2026-11-29T21:26:46.000+08:00',
      vehicle: { deviceId: 'hn-coach-0001', plate: '琼A·03004', category: 'coach', operator: '海汽' },
      details: { peakSpeedKmh: 113.9 },
      status: 'open',
      raisedAt: '2026-11-29T21:30:00.000+08:00',
    };
    const live = { ...item, alertId: item.violationId, violationId: undefined };
    for (const entry of [supervisionEntry(item), supervisionEntry(live)]) {
      expect(entry).toMatchObject({ kind: 'supervision', alertId: item.violationId, type: 'speeding', plate: '琼A·03004', category: 'coach', sortMs: Date.parse(item.raisedAt) });
    }
  });
});
