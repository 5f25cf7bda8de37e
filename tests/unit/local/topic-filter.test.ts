import { describe, expect, it } from 'vitest';
import { topicMatches, validateTopicFilter } from '../../../infra/local/topic-filter.ts';

describe('topicMatches', () => {
  it.each([
    ['wim/+/records', 'wim/S1/records', true],
    ['wim/+/records', 'wim/S1/status', false],
    ['wim/+/records', 'wim/S1/records/x', false],
    ['wim/+/records', 'wim//records', true],
    ['wim/#', 'wim/S1/records', true],
    ['wim/#', 'wim', true],
    ['#', 'anything/at/all', true],
    ['#', '$SYS/broker/heartbeat', false],
    ['+/x', '$aws/x', false],
    ['$aws/events/#', '$aws/events/presence/connected/c1', true],
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
  ])('%s vs %s → %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('validateTopicFilter', () => {
  it('accepts valid filters and rejects misplaced wildcards', () => {
    expect(() => validateTopicFilter('wim/+/records')).not.toThrow();
    expect(() => validateTopicFilter('a/#')).not.toThrow();
    expect(() => validateTopicFilter('a/#/b')).toThrow(/'#'/);
    expect(() => validateTopicFilter('a/b#')).toThrow(/'#'/);
    expect(() => validateTopicFilter('a/b+')).toThrow(/'\+'/);
    expect(() => validateTopicFilter('')).toThrow(/empty/);
  });
});
