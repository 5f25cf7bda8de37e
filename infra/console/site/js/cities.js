// GB/T 2260 codes of Hainan's cities and counties, as in functions/domain/green/rules-config.ts (the site has no
// build step, so the list is repeated here; the English names are pinyin).
export const cities = [
  { code: '460100', zh: '海口市', en: 'Haikou' },
  { code: '460200', zh: '三亚市', en: 'Sanya' },
  { code: '460300', zh: '三沙市', en: 'Sansha' },
  { code: '460400', zh: '儋州市', en: 'Danzhou' },
  { code: '469001', zh: '五指山市', en: 'Wuzhishan' },
  { code: '469002', zh: '琼海市', en: "Qionghai" },
  { code: '469005', zh: '文昌市', en: 'Wenchang' },
  { code: '469006', zh: '万宁市', en: 'Wanning' },
  { code: '469007', zh: '东方市', en: 'Dongfang' },
  { code: '469021', zh: '定安县', en: "Ding'an" },
  { code: '469022', zh: '屯昌县', en: 'Tunchang' },
  { code: '469023', zh: '澄迈县', en: 'Chengmai' },
  { code: '469024', zh: '临高县', en: 'Lingao' },
  { code: '469025', zh: '白沙黎族自治县', en: 'Baisha' },
  { code: '469026', zh: '昌江黎族自治县', en: 'Changjiang' },
  { code: '469027', zh: '乐东黎族自治县', en: 'Ledong' },
  { code: '469028', zh: '陵水黎族自治县', en: 'Lingshui' },
  { code: '469029', zh: '保亭黎族苗族自治县', en: 'Baoting' },
  { code: '469030', zh: '琼中黎族苗族自治县', en: 'Qiongzhong' },
];

export function cityName(code, lang) {
  const city = cities.find((c) => c.code === code);
  return city ? city[lang] : code;
}
