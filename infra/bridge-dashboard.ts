import { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  GraphWidgetView,
  Stats,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ERROR_OUTCOMES, bridgeMetric, bridgeMetricByMethod, bridgeMetricByOutcome } from './bridge-metrics.ts';

/** What the dashboard shows. */
export interface BridgeDashboardProps {
  readonly dashboardName: string;
  readonly function: IFunction;
  /** The alias Connect invokes (throttles are counted there). */
  readonly alias: IFunction;
  readonly alarms: readonly Alarm[];
  /** Drawn as a line on the not-routed graph. */
  readonly notRoutedRatio: number;
  /** Whether the function writes org records to S3 (`orgRecordBucket`): then the records not written are shown. */
  readonly orgRecords?: boolean;
}

const WIDTH = 12;
const HEIGHT = 6;

/**
 * One screen for the engineer on call: calls by method and outcome, failed calls by category, calls and failed calls
 * by method, the org records not written (with a bucket), latency (the call's and Salesforce's, p50 and p99), the
 * share of calls not routed, key fetches and retries, Lambda's throttles and concurrency, and the alarms' state.
 * Every per-method graph is a search, so it shows whichever methods are called.
 */
export function createDashboard(scope: Construct, props: BridgeDashboardProps): Dashboard {
  const period = Duration.minutes(5);
  const graph = (title: string, options: Partial<ConstructorParameters<typeof GraphWidget>[0]>) =>
    new GraphWidget({ title, width: WIDTH, height: HEIGHT, period, ...options });
  const latency = (name: 'Latency' | 'SalesforceLatency', p: number) =>
    bridgeMetric(name, { statistic: Stats.percentile(p), label: `${name} p${p}` });
  return new Dashboard(scope, 'Dashboard', {
    dashboardName: props.dashboardName,
    defaultInterval: Duration.hours(3),
    widgets: [
      [
        graph('Calls by method and outcome', {
          left: [bridgeMetricByOutcome('Calls', 'Sum', period)],
          stacked: true,
          view: GraphWidgetView.TIME_SERIES,
        }),
        graph('Failed calls by category', {
          left: [bridgeMetricByOutcome('Errors', 'Sum', period, ERROR_OUTCOMES)],
          stacked: true,
        }),
      ],
      [
        graph('Calls and failed calls by method', {
          left: [
            bridgeMetricByMethod('Calls', 'Sum', period, 'calls'),
            bridgeMetricByMethod('Errors', 'Sum', period, 'failed'),
          ],
        }),
        ...(props.orgRecords
          ? [
              graph('Org records not written to S3', {
                left: [bridgeMetricByMethod('OrgRecordFailures', 'Sum', period, 'not written')],
              }),
            ]
          : []),
      ],
      [
        graph('Latency (ms): the call, and Salesforce’s part', {
          left: [
            latency('Latency', 50),
            latency('Latency', 99),
            latency('SalesforceLatency', 50),
            latency('SalesforceLatency', 99),
          ],
        }),
        graph('Share of executeOmniFlow calls not routed to an agent or queue', {
          left: [bridgeMetric('NotRouted', { statistic: 'Average', method: 'executeOmniFlow', label: 'not routed' })],
          leftYAxis: { min: 0, max: 1 },
          leftAnnotations: [{ value: props.notRoutedRatio, label: 'alarm' }],
        }),
      ],
      [
        graph('Key fetches and retries', {
          left: [
            bridgeMetric('KeyFetches', { statistic: 'Sum', label: 'key fetches' }),
            bridgeMetric('Retries', { statistic: 'Sum', label: 'retries' }),
          ],
        }),
        graph('Lambda: throttles and concurrency', {
          left: [props.alias.metricThrottles({ statistic: 'Sum', period, label: 'throttles' })],
          right: [
            props.function.metric('ConcurrentExecutions', {
              statistic: 'Maximum',
              period,
              label: 'concurrent executions',
            }),
          ],
        }),
      ],
      [new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 2 * WIDTH, height: 4 })],
    ],
  });
}
