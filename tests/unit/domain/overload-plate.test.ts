import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plateKey } from '../../../functions/domain/overload/index.ts';

describe('plateKey', () => {
  it.each([
    ['琼A·12345', '琼A12345'],
    ['琼A12345', '琼A12345'],
    ['琼a 12345', '琼A12345'],
    ['琼A-12345', '琼A12345'],
    ['琼A.12345', '琼A12345'],
    ['琼Ａ１２３４５', '琼A12345'],
    [' 琼B・d1234挂 ', '琼BD1234挂'],
    ['琼AD12345', '琼AD12345'],
  ])('%s → %s', (plate, key) => {
    expect(plateKey(plate)).toBe(key);
  });

  it('appends the colour', () => {
    expect(plateKey('琼A·12345', 'yellow')).toBe('琼A12345#yellow');
    expect(plateKey('琼a12345', ' Yellow ')).toBe('琼A12345#yellow');
    expect(plateKey('琼A12345', '')).toBe('琼A12345');
  });

  it('different plates stay different', () => {
    expect(plateKey('琼A12345')).not.toBe(plateKey('粤A12345'));
    expect(plateKey('琼A12345', 'yellow')).not.toBe(plateKey('琼A12345', 'blue'));
  });

  const plateChars = fc.constantFrom(...'琼粤桂ABCDEFGHJKadx0123456789·.- ＡＢ１２挂学'.split(''));

  it('is idempotent (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: plateChars, maxLength: 12 }), (plate) => {
        expect(plateKey(plateKey(plate))).toBe(plateKey(plate));
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (plate) => {
        expect(plateKey(plateKey(plate))).toBe(plateKey(plate));
      }),
    );
  });

  it('separators and case never change the key (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ABCDEFGH0123456789'.split('')), minLength: 1, maxLength: 7 }), (tail) => {
        const spaced = `琼${tail.toLowerCase().split('').join(' ')}`;
        expect(plateKey(spaced)).toBe(plateKey(`琼·${tail}`));
      }),
    );
  });
});
