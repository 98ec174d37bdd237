/// <reference types="vitest" />
// Vite builds the console into dist/, which `creditline serve` serves at /. In development
// (`npm run dev`), API calls go to a local `creditline serve` on port 8080.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
  build: {
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      output: {
        manualChunks: { antd: ['antd', '@ant-design/icons'], echarts: ['echarts'] },
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test_setup.ts'],
    // antd renders slowly in jsdom on a busy machine.
    testTimeout: 60_000,
  },
});
