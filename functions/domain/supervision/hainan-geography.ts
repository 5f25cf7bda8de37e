/**
 * Approximate geography of Hainan's main roads, for the default speed zones and the simulator's routes.
 * Points are [lon, lat] (WGS-84, GeoJSON order) traced through the towns the roads pass, good to a few hundred
 * metres at best: enough for a road-class corridor, not for lane-level map matching. Operators replace these with
 * surveyed geometry through configuration (see docs/supervision-rules.md).
 */

export type LonLat = readonly [number, number];

export interface NamedLine {
  readonly id: string;
  readonly name: string;
  readonly points: readonly LonLat[];
}

/** G98 环岛高速 (Hainan Ring Expressway), clockwise from Haikou along the east coast, back along the west. */
export const g98Ring: NamedLine = {
  id: 'G98',
  name: 'G98 海南环岛高速',
  points: [
    [110.33, 20.0], // Haikou (west interchange)
    [110.45, 19.95], // Haikou east, Lingshan
    [110.5, 19.75], // Dazhipo
    [110.47, 19.5], // towards Qionghai
    [110.45, 19.27], // Qionghai (Jiaji)
    [110.4, 19.0], // Boao area
    [110.37, 18.8], // Wanning
    [110.2, 18.6], // Xinglong
    [110.03, 18.5], // Lingshui
    [109.8, 18.35], // Haitang Bay
    [109.52, 18.3], // Sanya
    [109.3, 18.38], // Tianya
    [109.15, 18.6], // Ledong (Jianfeng)
    [108.85, 18.85], // Ledong north
    [108.65, 19.1], // Dongfang (Basuo)
    [108.9, 19.3], // Changjiang
    [109.2, 19.5], // Danzhou (Baimajing)
    [109.55, 19.65], // Danzhou (Nada)
    [109.7, 19.9], // Lingao
    [110.0, 19.95], // Chengmai (Laocheng)
    [110.33, 20.0], // back to Haikou
  ],
};

/** G9811 海屯高速 and its continuation through the centre (Haikou – Tunchang – Qiongzhong – Wuzhishan – Sanya). */
export const g9811: NamedLine = {
  id: 'G9811',
  name: 'G9811 海口—三亚（中线）高速',
  points: [
    [110.3, 19.98], // Haikou (Xinpo)
    [110.2, 19.7], // Dingan
    [110.1, 19.36], // Tunchang
    [109.85, 19.03], // Qiongzhong
    [109.52, 18.78], // Wuzhishan
    [109.5, 18.5], // Baoting
    [109.52, 18.3], // Sanya
  ],
};

/** City bus and taxi routes (ordinary roads). */
export const haikouCityLoop: NamedLine = {
  id: 'HK-CITY-1',
  name: '海口 龙华—美兰 环线',
  points: [
    [110.31, 20.03],
    [110.35, 20.04],
    [110.38, 20.03],
    [110.4, 20.0],
    [110.36, 19.98],
    [110.32, 20.0],
    [110.31, 20.03],
  ],
};

export const sanyaCityLine: NamedLine = {
  id: 'SY-CITY-1',
  name: '三亚 凤凰机场—亚龙湾',
  points: [
    [109.41, 18.31],
    [109.5, 18.25],
    [109.55, 18.25],
    [109.62, 18.23],
  ],
};

/** A few places a hazardous-goods vehicle must not enter (illustrative polygons, not legal boundaries). */
export const hazmatRestrictedAreas = {
  /** 海口 old town (骑楼老街 area), city-centre restriction. */
  haikouOldTown: [
    [110.33, 20.04],
    [110.36, 20.04],
    [110.36, 20.025],
    [110.33, 20.025],
    [110.33, 20.04],
  ] as readonly LonLat[],
  /** 松涛水库 (Songtao reservoir), the island's largest drinking-water source. */
  songtaoReservoir: [
    [109.45, 19.4],
    [109.65, 19.4],
    [109.65, 19.25],
    [109.45, 19.25],
    [109.45, 19.4],
  ] as readonly LonLat[],
  /** 三亚 city centre (Jiefang Road / Sanya Bay). */
  sanyaCentre: [
    [109.49, 18.26],
    [109.52, 18.26],
    [109.52, 18.235],
    [109.49, 18.235],
    [109.49, 18.26],
  ] as readonly LonLat[],
} as const;
