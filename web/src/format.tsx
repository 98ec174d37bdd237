// Formatting helpers bound to the current language.
import { Tag } from 'antd';
import { useI18n, type MessageKey } from './i18n';
import { formatBasisPoints, formatMoney } from './money';

export function useFormat() {
  const { locale, t } = useI18n();
  return {
    money: (minor: number, currency: string) => formatMoney(minor, currency, locale),
    percent: (bp: number) => formatBasisPoints(bp, locale),
    dateTime: (iso: string) => new Date(iso).toLocaleString(locale),
    shortDateTime: (iso: string) => new Date(iso).toLocaleString(locale, { dateStyle: 'short', timeStyle: 'short' }),
    status: (status: string) => t(`status.${status}` as MessageKey),
  };
}

const kStatusColors: Record<string, string> = {
  active: 'green',
  on_hold: 'orange',
  blocked: 'red',
  prepayment_only: 'purple',
  open: 'blue',
  held: 'orange',
};

export function StatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  const known = `status.${status}` as MessageKey;
  return <Tag color={kStatusColors[status] ?? 'default'}>{t(known) === known ? status : t(known)}</Tag>;
}

export function UtilizationText({ bp }: { bp: number }) {
  const { percent } = useFormat();
  const color = bp >= 10000 ? '#cf1322' : bp >= 8000 ? '#d48806' : undefined;
  return (
    <span className="num" style={{ color }}>
      {percent(bp)}
    </span>
  );
}
