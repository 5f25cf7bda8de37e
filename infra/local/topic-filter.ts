/**
 * MQTT topic-filter matching for the local rules engine and the emulated IoT policies.
 *
 * Follows MQTT 3.1.1 §4.7: `+` matches exactly one level, `#` (last level only) matches any number of levels
 * including the parent (`a/#` matches `a`), and wildcards at the first level never match topics starting with `$`
 * (MQTT-4.7.2-1), so `#` does not see `$SYS/…` or `$aws/…`. AWS IoT's broker differs on the parent case (its `a/#`
 * does not match `a`); none of our filters depends on that, and docs/local-stack.md lists it.
 */

/** Throws when `filter` is not a valid MQTT topic filter (empty, misplaced `#`, `+` or `#` inside a level). */
export function validateTopicFilter(filter: string): void {
  if (filter.length === 0) throw new Error('topic filter is empty');
  const levels = filter.split('/');
  levels.forEach((level, index) => {
    if (level.includes('#') && (level !== '#' || index !== levels.length - 1)) {
      throw new Error(`topic filter '${filter}': '#' must be a whole level and the last one`);
    }
    if (level.includes('+') && level !== '+') {
      throw new Error(`topic filter '${filter}': '+' must be a whole level`);
    }
  });
}

export function isWildcardFilter(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}

/** True when the concrete `topic` matches `filter`. Does not validate the filter; see {@link validateTopicFilter}. */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const filterLevels = filter.split('/');
  const topicLevels = topic.split('/');
  for (let i = 0; i < filterLevels.length; i++) {
    const f = filterLevels[i];
    if (f === '#') return true;
    const t = topicLevels[i];
    if (t === undefined) return false;
    if (f !== '+' && f !== t) return false;
  }
  return filterLevels.length === topicLevels.length;
}
