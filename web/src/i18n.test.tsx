import { act, render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { I18nProvider, kMessages, storedLocale, translate, useI18n } from './i18n';

describe('translate', () => {
  it('has every English message in Chinese too', () => {
    const english = Object.keys(kMessages.en).sort();
    expect(Object.keys(kMessages['zh-CN']).sort()).toEqual(english);
    for (const key of english) expect(kMessages['zh-CN'][key as keyof typeof kMessages.en]).not.toBe('');
  });
  it('fills in values', () => {
    expect(translate('en', 'holds.total', { count: 3 })).toBe('3 orders on hold');
    expect(translate('zh-CN', 'holds.total', { count: 3 })).toBe('3 笔订单被冻结');
  });
});

function Switcher() {
  const { t, setLocale } = useI18n();
  return (
    <button type="button" onClick={() => setLocale('zh-CN')}>
      {t('nav.customers')}
    </button>
  );
}

describe('I18nProvider', () => {
  beforeEach(() => localStorage.clear());
  it('switches language and remembers it', () => {
    render(
      <I18nProvider initial="en">
        <Switcher />
      </I18nProvider>,
    );
    expect(screen.getByRole('button')).toHaveTextContent('Customers');
    act(() => screen.getByRole('button').click());
    expect(screen.getByRole('button')).toHaveTextContent('客户');
    expect(localStorage.getItem('creditline.locale')).toBe('zh-CN');
    expect(storedLocale()).toBe('zh-CN');
  });
});
