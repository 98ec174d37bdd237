// The account's utilization (exposure over effective limit) as a gauge: green under the policy's
// warning line, amber to 100%, red past the limit.
import type { EChartsOption } from 'echarts';
import { useMemo } from 'react';
import { Chart } from './Chart';

export function gaugeValue(utilizationBp: number): number {
  // The dial shows up to 150%; past that the needle rests at the end.
  return Math.min(utilizationBp, 15000) / 100;
}

export function UtilizationGauge({ utilizationBp, label }: { utilizationBp: number; label: string }) {
  const option = useMemo<EChartsOption>(
    () => ({
      series: [
        {
          type: 'gauge',
          min: 0,
          max: 150,
          startAngle: 210,
          endAngle: -30,
          radius: '95%',
          center: ['50%', '58%'],
          axisLine: {
            lineStyle: {
              width: 14,
              color: [
                [80 / 150, '#52c41a'],
                [100 / 150, '#faad14'],
                [1, '#f5222d'],
              ],
            },
          },
          pointer: { width: 5, itemStyle: { color: '#1f2d3d' } },
          axisTick: { distance: -14, length: 6, lineStyle: { color: '#fff' } },
          splitLine: { distance: -14, length: 14, lineStyle: { color: '#fff', width: 2 } },
          axisLabel: { distance: 20, color: '#666', formatter: '{value}%' },
          detail: {
            valueAnimation: false,
            formatter: `${(utilizationBp / 100).toFixed(1)}%`,
            fontSize: 22,
            offsetCenter: [0, '55%'],
          },
          title: { offsetCenter: [0, '82%'], fontSize: 12, color: '#888' },
          data: [{ value: gaugeValue(utilizationBp), name: label }],
        },
      ],
    }),
    [utilizationBp, label],
  );
  return <Chart option={option} height={240} testId="utilization-gauge" />;
}
