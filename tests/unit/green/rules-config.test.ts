import { describe, expect, it } from 'vitest';
import { energyTypes, vehicleCategories } from '../../../functions/contracts/vehicle.v1.ts';
import { canonicalCity, cityCodeOf, defaultGreenRules, defineGreenRules } from '../../../functions/domain/green/rules-config.ts';

describe('green rules', () => {
  it('is frozen; overrides merge and replace arrays whole', () => {
    expect(Object.isFrozen(defaultGreenRules.emissionFactors.gridKgCo2PerKWh)).toBe(true);
    const r = defineGreenRules({ emissionFactors: { gridKgCo2PerKWh: { value: 0.5366, source: 'national 2022', confidence: 'S' } } });
    expect(r.emissionFactors.gridKgCo2PerKWh.value).toBe(0.5366);
    expect(r.emissionFactors.fuelKgCo2PerL.diesel.value).toBe(2.68);
    expect(defaultGreenRules.emissionFactors.gridKgCo2PerKWh.value).toBe(0.3869);
  });

  it('every category and energy type is configured, with a source and a confidence tag', () => {
    for (const c of vehicleCategories) {
      for (const s of [defaultGreenRules.electricKWhPer100Km[c], defaultGreenRules.baseline[c]]) {
        expect(s.source.length).toBeGreaterThan(0);
        expect(['P', 'S', 'D', 'U']).toContain(s.confidence);
      }
    }
    for (const e of energyTypes) expect(e in defaultGreenRules.fuelOf.value).toBe(true);
    for (const t of defaultGreenRules.newEnergyTypes.value) expect(defaultGreenRules.cleanEnergyTypes.value).toContain(t);
  });

  it('sourced values from domain-rules §D', () => {
    const r = defaultGreenRules;
    expect(r.emissionFactors.gridKgCo2PerKWh).toMatchObject({ value: 0.3869, confidence: 'S' });
    expect(r.emissionFactors.fuelKgCo2PerL.diesel).toMatchObject({ value: 2.68, confidence: 'D' });
    expect(r.emissionFactors.fuelKgCo2PerL.gasoline).toMatchObject({ value: 2.27, confidence: 'U' });
    expect(r.electricKWhPer100Km.taxi).toMatchObject({ value: 15, confidence: 'S' });
    expect(r.electricKWhPer100Km.bus.value).toBeGreaterThanOrEqual(104);
    expect(r.electricKWhPer100Km.bus.value).toBeLessThanOrEqual(130);
    expect(r.baseline.taxi.value).toEqual({ fuel: 'gasoline', lPer100Km: 7 });
    expect(r.baseline.bus).toMatchObject({ value: { fuel: 'diesel', lPer100Km: 35 }, confidence: 'U' });
  });

  it('GB/T 2260 codes of Hainan cities and counties, by name or short alias', () => {
    expect(cityCodeOf('海口市')).toBe('460100');
    expect(cityCodeOf('三亚市')).toBe('460200');
    expect(cityCodeOf('三沙市')).toBe('460300');
    expect(cityCodeOf('儋州市')).toBe('460400');
    expect(cityCodeOf('琼海')).toBe('469002');
    expect(cityCodeOf('陵水')).toBe('469028');
    expect(cityCodeOf(' 琼中黎族苗族自治县 ')).toBe('469030');
    expect(cityCodeOf('广州市')).toBeUndefined();
    expect(canonicalCity('陵水')).toBe('陵水黎族自治县');
    expect(canonicalCity('广州市')).toBe('广州市');
    const codes = defaultGreenRules.cities.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toHaveLength(19);
    for (const c of codes) expect(c).toMatch(/^46\d{4}$/);
  });
});
