import type { AwsClients } from '../aws-clients.ts';
import type { Check, DoctorOptions } from '../check.ts';
import { certificateCheck } from './certificate.ts';
import { connectAssociationCheck } from './connect-association.ts';
import { deployedSettingsCheck } from './deployed-settings.ts';
import { keyStoreCheck } from './key-store.ts';
import { privateKeyCheck } from './private-key.ts';
import { salesforceHostCheck } from './salesforce-host.ts';
import { salesforceTokenCheck } from './salesforce-token.ts';
import { settingsCheck } from './settings.ts';
import { stackCheck } from './stack.ts';

/** The checks for these options, in the order they run: the local ones, Salesforce, then the deployed stack. */
export function doctorChecks(options: DoctorOptions, aws: AwsClients): Check[] {
  return [
    settingsCheck,
    keyStoreCheck,
    privateKeyCheck,
    ...(options.certificateFile ? [certificateCheck] : []),
    salesforceHostCheck,
    salesforceTokenCheck,
    ...(options.stackName ? [stackCheck(aws), connectAssociationCheck(aws), deployedSettingsCheck(aws)] : []),
  ];
}
