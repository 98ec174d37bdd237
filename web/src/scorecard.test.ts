import { describe, expect, it } from 'vitest';
import { checkScorecard, describeBins, formatBins, parseBins, type Scorecard } from './scorecard';

function card(): Scorecard {
  return {
    name: 'default',
    rounding_minor: 100000,
    factors: [{ factor: 'holds', weight: 5, missing_points: 50, bins: [{ up_to: 0, points: 100 }, { up_to: 2, points: 70 }, { up_to: null, points: 10 }] }],
    grades: [
      { grade: 'A', score_min: 70, review_interval_days: 180, prepayment_only: false, limit_cap_minor: 1, purchases_multiple_pct: 200, equity_bp: 1200 },
      { grade: 'D', score_min: 0, review_interval_days: 30, prepayment_only: true, limit_cap_minor: null, purchases_multiple_pct: null, equity_bp: null },
    ],
  };
}

describe('scorecard', () => {
  it('accepts a valid scorecard', () => {
    expect(checkScorecard(card())).toEqual([]);
  });
  it('points at each problem', () => {
    const c = card();
    c.factors[0].weight = 1001;
    c.factors[0].bins = [{ up_to: 5, points: 100 }, { up_to: 2, points: 101 }];
    c.grades[1].score_min = 80;
    const keys = checkScorecard(c).map((p) => p.key);
    expect(keys).toEqual(expect.arrayContaining(['scorecard.err_weight', 'scorecard.err_last_bin', 'scorecard.err_ascending', 'scorecard.err_points', 'scorecard.err_descending', 'scorecard.err_last_grade']));
  });
  it('reads and writes bins as text', () => {
    expect(parseBins('0:100, 2:70, *:10')).toEqual(card().factors[0].bins);
    expect(formatBins(card().factors[0].bins)).toBe('0:100, 2:70, *:10');
    expect(parseBins('0:100, x:3')).toBeNull();
    expect(parseBins('')).toBeNull();
    expect(describeBins(card().factors[0].bins, 'above')).toBe('≤0: 100 · ≤2: 70 · above: 10');
  });
});
