import '@testing-library/jest-dom/vitest';

// antd's responsive components ask for matchMedia, which jsdom lacks.
if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => {},
      removeListener: () => {},
      addEventListener: () => {},
      removeEventListener: () => {},
      dispatchEvent: () => false,
    }) as MediaQueryList;
}

import { configure } from '@testing-library/react';

// Pages wait for several requests and antd renders slowly in jsdom.
configure({ asyncUtilTimeout: 20_000 });

import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

// Without vitest globals, Testing Library does not unmount between tests by itself.
afterEach(cleanup);
