import { describe, expect, it } from 'vitest';
import { gaugeValue } from './UtilizationGauge';

describe('gaugeValue', () => {
  it('turns basis points into the dial percentage, capped at the dial end', () => {
    expect(gaugeValue(0)).toBe(0);
    expect(gaugeValue(8050)).toBe(80.5);
    expect(gaugeValue(40000)).toBe(150);
  });
});
