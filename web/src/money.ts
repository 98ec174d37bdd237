// Money in the console: amounts travel as integer minor units with a currency code and are only
// formatted here, never computed with in floating point.

// Minor-unit digits per ISO 4217 code; the server's currencies (core/money.cpp) use these.
const kMinorDigits: Record<string, number> = { JPY: 0, KRW: 0, VND: 0, BHD: 3, KWD: 3, OMR: 3 };

export function minorDigits(currency: string): number {
  return kMinorDigits[currency] ?? 2;
}

// Splits integer minor units into a whole part and a fraction string, exactly (BigInt).
function split(minor: number, digits: number): { negative: boolean; whole: bigint; fraction: string } {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`not an integer amount: ${minor}`);
  const value = BigInt(minor);
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const scale = 10n ** BigInt(digits);
  const fraction = digits > 0 ? (absolute % scale).toString().padStart(digits, '0') : '';
  return { negative, whole: absolute / scale, fraction };
}

// "CN¥500,000.00" / "¥500,000.00" / "US$1,234.50", per locale, from minor units.
export function formatMoney(minor: number, currency: string, locale: string): string {
  const digits = minorDigits(currency);
  const { negative, whole, fraction } = split(minor, digits);
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  // Format the whole part through Intl (as a BigInt, exact), then put back the exact fraction.
  const parts = format.formatToParts(negative ? -whole : whole);
  const decimal = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
  return parts
    .map((part) => {
      if (part.type === 'fraction') return fraction;
      if (part.type === 'decimal') return decimal;
      return part.value;
    })
    .join('');
}

// A compact form for charts and key figures: "CN¥1.2M", "¥120万".
export function formatMoneyCompact(minor: number, currency: string, locale: string): string {
  const digits = minorDigits(currency);
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    notation: 'compact',
    maximumFractionDigits: 1,
  }).format(Number(BigInt(minor) / 10n ** BigInt(digits)));
}

// Parses "1,234.5" typed by a user into minor units, exactly; null when it is not an amount.
export function parseMoney(text: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const cleaned = text.replace(/[,\s]/g, '');
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) return null;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const minor = BigInt(match[1]) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(minor);
}

// Basis points as a percentage: 8050 -> "80.5%".
export function formatBasisPoints(bp: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(bp / 10000);
}
