import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { bridgeMetric } from './bridge-metrics.ts';

/** What the alarms watch and where they report. */
export interface BridgeAlarmsProps {
  /** The alias Connect invokes. */
  readonly alias: IFunction;
  /** Every alarm is named `<namePrefix>-<what>`, so several deployments in one account do not collide. */
  readonly namePrefix: string;
  /** Failed calls (the function's `Errors` metric, both error modes) in 5 minutes that raise the alarm. */
  readonly errorThreshold: number;
  /** Share of executeOmniFlow calls not routed to an agent or queue, sustained 15 minutes, that raises the alarm. */
  readonly notRoutedRatio: number;
  /** p99 duration (ms) that raises the alarm: close to the flow block's timeout. */
  readonly durationThresholdMs: number;
  /** Whether the function writes org records to S3 (`orgRecordBucket`): then a failed write raises an alarm. */
  readonly orgRecords?: boolean;
  /** Where alarms and their recovery are sent. */
  readonly topic?: ITopic;
}

/**
 * The bridge's alarms: failed calls, unrouted calls and (with a bucket) org records not written, from the function's
 * own metrics, and what only Lambda sees — invocations that failed (including crashes and timeouts, which write no
 * metrics), throttles, and a p99 duration close to the flow block's timeout. Missing data (no calls) is not a breach.
 */
export function createAlarms(scope: Construct, props: BridgeAlarmsProps): Alarm[] {
  const atLeast = (metric: IMetric, threshold: number) => ({
    metric,
    threshold,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  const minute = Duration.minutes(1);
  const name = (what: string) => `${props.namePrefix}-${what}`;
  const alarms = [
    new Alarm(scope, 'FailedCalls', {
      alarmName: name('FailedCalls'),
      alarmDescription: `${props.errorThreshold}+ calls failed in 5 minutes (either error mode; by category on the dashboard).`,
      ...atLeast(bridgeMetric('Errors', { statistic: 'Sum' }), props.errorThreshold),
    }),
    new Alarm(scope, 'NotRouted', {
      alarmName: name('NotRouted'),
      alarmDescription: `${Math.round(props.notRoutedRatio * 100)} %+ of calls not routed to an agent or queue for 15 minutes.`,
      ...atLeast(bridgeMetric('NotRouted', { statistic: 'Average', method: 'executeOmniFlow' }), props.notRoutedRatio),
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    }),
    new Alarm(scope, 'Errors', {
      alarmName: name('LambdaErrors'),
      alarmDescription:
        'Invocations failed: the flow took its Error branch (ON_ERROR=throw), or the function crashed or timed out.',
      ...atLeast(props.alias.metricErrors({ period: minute }), 1),
    }),
    new Alarm(scope, 'Throttles', {
      alarmName: name('Throttles'),
      alarmDescription: 'Invocations throttled: calls fell back without routing. Raise concurrency.',
      ...atLeast(props.alias.metricThrottles({ period: minute }), 1),
    }),
    new Alarm(scope, 'DurationP99', {
      alarmName: name('DurationP99'),
      alarmDescription: `p99 duration above ${props.durationThresholdMs} ms: close to the flow block's timeout.`,
      ...atLeast(
        props.alias.metricDuration({ period: Duration.minutes(5), statistic: 'p99' }),
        props.durationThresholdMs,
      ),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    }),
  ];
  if (props.orgRecords) {
    alarms.push(
      new Alarm(scope, 'OrgRecordFailures', {
        alarmName: name('OrgRecordsNotWritten'),
        alarmDescription:
          "Org records not written to S3 (orgRecordBucket): the calls were answered, but Salesforce's other functions cannot find these contacts' org.",
        ...atLeast(bridgeMetric('OrgRecordFailures', { statistic: 'Sum' }), 1),
      }),
    );
  }
  if (props.topic) {
    for (const alarm of alarms) {
      alarm.addAlarmAction(new SnsAction(props.topic));
      alarm.addOkAction(new SnsAction(props.topic));
    }
  }
  return alarms;
}
