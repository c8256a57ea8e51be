import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ERROR_OUTCOMES } from '../../infra/bridge-metrics.ts';
import { OmniFlowBridge } from '../../infra/omniflow-bridge.ts';
import { BASE_PROPS, synthBridge } from './support.ts';

interface Widget {
  readonly type: string;
  readonly properties: {
    readonly title: string;
    readonly metrics?: unknown[][];
    readonly annotations?: { horizontal?: { value: number }[] };
    readonly alarms?: string[];
  };
}

/** The dashboard's widgets, with every CloudFormation reference in its body replaced by `<ref>`. */
function dashboardWidgets(template: Template): Widget[] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
    Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } | string };
  }[];
  const body = dashboard!.Properties.DashboardBody;
  const text =
    typeof body === 'string' ? body : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '<ref>')).join('');
  return (JSON.parse(text) as { widgets: Widget[] }).widgets;
}

const widget = (widgets: Widget[], title: RegExp) => widgets.find((w) => title.test(w.properties.title))!;

describe('Construct: OmniFlowBridge', () => {
  describe('alarms', () => {
    it("alarms on failed calls from the function's own Errors metric, so ON_ERROR=attributes failures alarm too", () => {
      const { template } = synthBridge({ onError: 'attributes' });

      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'Test-Bridge-FailedCalls',
        Namespace: 'ConnectOmniFlowBridge',
        MetricName: 'Errors',
        Dimensions: Match.absent(),
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('alarms when a sustained share of executeOmniFlow calls is not routed', () => {
      const { template } = synthBridge();

      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'Test-Bridge-NotRouted',
        Namespace: 'ConnectOmniFlowBridge',
        MetricName: 'NotRouted',
        Dimensions: [{ Name: 'Method', Value: 'executeOmniFlow' }],
        Statistic: 'Average',
        Period: 300,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: 0.2,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    });

    it('takes both thresholds from props', () => {
      const { template } = synthBridge({ errorAlarmThreshold: 5, notRoutedAlarmRatio: 0.5 });

      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Statistic: 'Sum',
        Threshold: 5,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'NotRouted', Threshold: 0.5 });
    });

    it("keeps Lambda's errors, throttles and a p99 duration at 75 % of the flow block's timeout", () => {
      synthBridge().template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'Test-Bridge-DurationP99',
        MetricName: 'Duration',
        ExtendedStatistic: 'p99',
        Threshold: 6000,
      });
      const { template } = synthBridge({ flowBlockTimeoutSeconds: 4 });

      template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'Test-Bridge-LambdaErrors',
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Threshold: 1,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'Test-Bridge-Throttles',
        MetricName: 'Throttles',
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Duration', Threshold: 3000 });
    });
  });

  describe('org records', () => {
    it('alarms on any org record not written in 5 minutes, only when the function writes them', () => {
      const { template } = synthBridge({ orgRecordBucket: 'acme-org-records' });

      template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'Test-Bridge-OrgRecordsNotWritten',
        Namespace: 'ConnectOmniFlowBridge',
        MetricName: 'OrgRecordFailures',
        Dimensions: Match.absent(),
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(widget(dashboardWidgets(template), /^Alarms$/).properties.alarms).toHaveLength(6);
    });

    it('has neither the alarm nor the graph without orgRecordBucket', () => {
      const { template } = synthBridge();

      template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
      expect(JSON.stringify(template.toJSON())).not.toContain('OrgRecordFailures');
    });

    it('graphs the records not written by method', () => {
      const widgets = dashboardWidgets(synthBridge({ orgRecordBucket: 'acme-org-records' }).template);

      const graph = JSON.stringify(widget(widgets, /^Org records not written/).properties.metrics);
      expect(graph).toContain(
        `SEARCH('{ConnectOmniFlowBridge,Method} MetricName=\\"OrgRecordFailures\\"', 'Sum', 300)`,
      );
    });
  });

  describe('dashboard', () => {
    it('graphs calls and failed calls per method by search, so every method the function serves shows', () => {
      const widgets = dashboardWidgets(synthBridge().template);

      const metrics = widget(widgets, /^Calls and failed calls by method$/).properties.metrics!;
      expect(metrics.map((m) => (m.at(-1) as { expression: string; label: string }).label)).toEqual([
        'calls',
        'failed',
      ]);
      const text = JSON.stringify(metrics);
      expect(text).toContain(`SEARCH('{ConnectOmniFlowBridge,Method} MetricName=\\"Calls\\"', 'Sum', 300)`);
      expect(text).toContain(`SEARCH('{ConnectOmniFlowBridge,Method} MetricName=\\"Errors\\"', 'Sum', 300)`);
      expect(text).not.toMatch(/Method=|executeOmniFlow/);
    });

    it('is named after the stack and shows outcomes, error categories, latency, key fetches, retries and Lambda', () => {
      const { template } = synthBridge({ notRoutedAlarmRatio: 0.3 });
      template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Test-Bridge' });
      const widgets = dashboardWidgets(template);

      const calls = JSON.stringify(widget(widgets, /^Calls by method and outcome/).properties.metrics);
      expect(calls).toContain(`SEARCH('{ConnectOmniFlowBridge,Method,Outcome} MetricName=\\"Calls\\"', 'Sum', 300)`);

      const errors = JSON.stringify(widget(widgets, /^Failed calls by category/).properties.metrics);
      expect(errors).toContain('MetricName=\\"Errors\\" AND (');
      for (const category of ERROR_OUTCOMES) expect(errors).toContain(`Outcome=\\"${category}\\"`);
      expect(errors).not.toMatch(/Outcome=\\"(AGENT|QUEUE|NONE|OK)\\"/);

      const latency = widget(widgets, /^Latency/).properties.metrics!;
      const stats = latency.map((m) => `${m[1]} ${(m.at(-1) as { stat: string }).stat}`);
      expect(stats).toEqual(['Latency p50', 'Latency p99', 'SalesforceLatency p50', 'SalesforceLatency p99']);

      const notRouted = widget(widgets, /not routed/).properties;
      expect(notRouted.metrics![0]).toEqual(
        expect.arrayContaining(['ConnectOmniFlowBridge', 'NotRouted', 'Method', 'executeOmniFlow']),
      );
      expect(notRouted.annotations!.horizontal![0]!.value).toBe(0.3);

      const keys = widget(widgets, /^Key fetches and retries/).properties.metrics!.map((m) => m[1]);
      expect(keys).toEqual(['KeyFetches', 'Retries']);

      const lambda = JSON.stringify(widget(widgets, /^Lambda/).properties.metrics);
      expect(lambda).toContain('"AWS/Lambda","Throttles"');
      expect(lambda).toContain('"AWS/Lambda","ConcurrentExecutions"');

      expect(widget(widgets, /^Alarms$/).properties.alarms).toHaveLength(5);
    });
  });

  describe('several deployments in one account', () => {
    it('names dashboards and alarms after each stack, and leaves log group names to CloudFormation', () => {
      const app = new App({ builtinCloudFormationValidation: false });
      const env = { account: '123456789012', region: 'eu-west-2' };
      const stacks = ['OrgA', 'OrgB'].map((stackName) => {
        const stack = new Stack(app, stackName, { env });
        new OmniFlowBridge(stack, 'Bridge', BASE_PROPS);
        return stack;
      });
      const names = stacks.map((stack) => {
        const template = Template.fromStack(stack);
        template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.absent() });
        template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: Match.absent() });
        template.hasResourceProperties('AWS::IAM::Role', { RoleName: Match.absent() });
        return [
          ...Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
            (a) => (a as { Properties: { AlarmName: string } }).Properties.AlarmName,
          ),
          ...Object.values(template.findResources('AWS::CloudWatch::Dashboard')).map(
            (d) => (d as { Properties: { DashboardName: string } }).Properties.DashboardName,
          ),
        ];
      });

      expect(names[0]).toHaveLength(6);
      expect(names[0]!.every((n) => n.startsWith('OrgA-Bridge'))).toBe(true);
      expect(names[1]!.every((n) => n.startsWith('OrgB-Bridge'))).toBe(true);
      expect(new Set([...names[0]!, ...names[1]!]).size).toBe(12);
    });
  });
});
