/** Prometheus metrics for GET /metrics. */
export { type AgentMetricsSource, type MetricsAgent, metricsSourceFromAgent } from './agent-source.ts';
export { createMetrics, familyOf, type Metrics } from './create-metrics.ts';
export type {
  DetectionReading,
  MetricsReading,
  MetricsSource,
  MonitorReading,
  StoreReading,
} from './source.ts';
