// The scorecard (docs/assessment.md) as the console edits it, and the checks the server makes,
// so that a bad edit is pointed at before it is sent.
export interface Bin {
  up_to: number | null; // null: unbounded (the last bin).
  points: number;
}
export interface Factor {
  factor: string;
  weight: number;
  bins: Bin[];
  missing_points: number;
}
export interface GradeBand {
  grade: string;
  score_min: number;
  review_interval_days: number;
  prepayment_only: boolean;
  limit_cap_minor: number | null;
  purchases_multiple_pct: number | null;
  equity_bp: number | null;
}
export interface Scorecard {
  name: string;
  factors: Factor[];
  grades: GradeBand[];
  rounding_minor: number;
}

const kWeightMax = 1000;
const kPointsMax = 100;

// Problems as [where, message key, values]; empty when the scorecard may be sent.
export type Problem = { where: string; key: string; values?: Record<string, string | number> };

export function checkScorecard(card: Scorecard): Problem[] {
  const problems: Problem[] = [];
  let weights = 0;
  for (const f of card.factors) {
    weights += f.weight;
    if (!Number.isInteger(f.weight) || f.weight < 0 || f.weight > kWeightMax) problems.push({ where: f.factor, key: 'scorecard.err_weight' });
    if (!f.bins.length || f.bins[f.bins.length - 1].up_to !== null) problems.push({ where: f.factor, key: 'scorecard.err_last_bin' });
    for (let i = 0; i < f.bins.length; i++) {
      const bin = f.bins[i];
      if (!Number.isInteger(bin.points) || bin.points < 0 || bin.points > kPointsMax) problems.push({ where: f.factor, key: 'scorecard.err_points' });
      if (i < f.bins.length - 1 && bin.up_to === null) problems.push({ where: f.factor, key: 'scorecard.err_last_bin' });
      const previous = i > 0 ? f.bins[i - 1].up_to : null;
      if (i > 0 && bin.up_to !== null && previous !== null && bin.up_to <= previous) problems.push({ where: f.factor, key: 'scorecard.err_ascending' });
    }
    if (f.missing_points < 0 || f.missing_points > kPointsMax) problems.push({ where: f.factor, key: 'scorecard.err_points' });
  }
  if (weights <= 0) problems.push({ where: '', key: 'scorecard.err_no_weight' });
  const grades = card.grades;
  if (!grades.length) problems.push({ where: '', key: 'scorecard.err_grades' });
  for (let i = 0; i < grades.length; i++) {
    if (i > 0 && grades[i].score_min >= grades[i - 1].score_min) problems.push({ where: grades[i].grade, key: 'scorecard.err_descending' });
    if (grades[i].score_min < 0 || grades[i].score_min > kPointsMax) problems.push({ where: grades[i].grade, key: 'scorecard.err_score' });
  }
  if (grades.length && grades[grades.length - 1].score_min !== 0) problems.push({ where: grades[grades.length - 1].grade, key: 'scorecard.err_last_grade' });
  return problems;
}

// "≤7000: 0 · ≤8500: 40 · above: 100": a factor's bins in one line.
export function describeBins(bins: Bin[], above: string): string {
  return bins.map((b) => `${b.up_to === null ? above : `≤${b.up_to}`}: ${b.points}`).join(' · ');
}

// Parses "7000:0, 8500:40, *:100" typed by a user into bins; null when malformed.
export function parseBins(text: string): Bin[] | null {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (!parts.length) return null;
  const bins: Bin[] = [];
  for (const part of parts) {
    const match = /^(\*|-?\d+)\s*:\s*(\d+)$/.exec(part);
    if (!match) return null;
    bins.push({ up_to: match[1] === '*' ? null : Number(match[1]), points: Number(match[2]) });
  }
  return bins;
}

export function formatBins(bins: Bin[]): string {
  return bins.map((b) => `${b.up_to === null ? '*' : b.up_to}:${b.points}`).join(', ');
}
