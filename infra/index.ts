/**
 * connect-omniflow-bridge for other CDK apps: the {@link OmniFlowBridge} construct and its props, the sample flow,
 * the metric names for your own dashboards and alarms, and the error a refused prop raises.
 *
 * @example
 * import { OmniFlowBridge } from 'connect-omniflow-bridge';
 * new OmniFlowBridge(stack, 'Bridge', { connectInstanceArn, secretName: 'sfdc-contact-center' });
 */
export {
  ALIAS_NAME,
  DEFAULT_CODE_PATH,
  FUNCTION_TIMEOUT,
  OmniFlowBridge,
  type ConnectInstance,
  type OmniFlowBridgeProps,
  parseConnectInstanceArn,
} from './omniflow-bridge.ts';
export { InboundFlow, type InboundFlowProps } from './contact-flow.ts';
export {
  ERROR_OUTCOMES,
  METHODS,
  METRICS_NAMESPACE,
  METRIC_NAMES,
  OUTCOMES,
  SUCCESS_OUTCOMES,
  bridgeMetric,
} from './bridge-metrics.ts';
export { InvalidSettingError } from './errors.ts';
