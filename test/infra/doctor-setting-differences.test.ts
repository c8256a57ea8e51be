import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lambda/src/config.ts';
import { settingDifferences } from '../../infra/doctor/setting-differences.ts';

const ENV_LAYOUT = {
  SCRT_ENDPOINT_BASE: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  SALESFORCE_ORG_ID: '00DKz000001AbCdEAA',
  CALL_CENTER_API_NAME: 'ConnectCallCenter',
  PRIVATE_KEY_PARAM_NAME: '/connect/salesforce/private-key',
};
const differences = (file: Record<string, string>, deployed: Record<string, string>) =>
  settingDifferences(readConfig(file), readConfig(deployed));

describe('Function: settingDifferences', () => {
  it('finds none between settings that take effect the same, however written', () => {
    const deployed = {
      ...ENV_LAYOUT,
      SCRT_ENDPOINT_BASE: 'https://acme.my.salesforce-scrt.com/telephony/v1/',
      PRIVATE_KEY_PARAM_NAME: 'arn:aws:ssm:eu-west-2:123456789012:parameter/connect/salesforce/private-key',
      ON_ERROR: 'THROW',
      LOG_LEVEL: 'DEBUG',
    };

    expect(
      differences({ ...ENV_LAYOUT, FLOW_BLOCK_TIMEOUT_SECONDS: '8', KEY_CACHE_TTL_SECONDS: '900' }, deployed),
    ).toEqual([]);
  });

  it('names each setting that differs, with both values', () => {
    const deployed = { ...ENV_LAYOUT, SALESFORCE_ORG_ID: '00DKz000009ZzZzEAA', FLOW_BLOCK_TIMEOUT_SECONDS: '3' };

    expect(differences({ ...ENV_LAYOUT, DEFAULT_FLOW_DEV_NAME: 'Route_VoiceCall' }, deployed)).toEqual([
      { name: 'SALESFORCE_ORG_ID', deployed: '00DKz000009ZzZzEAA', file: '00DKz000001AbCdEAA' },
      { name: 'DEFAULT_FLOW_DEV_NAME', deployed: undefined, file: 'Route_VoiceCall' },
      { name: 'FLOW_BLOCK_TIMEOUT_SECONDS', deployed: '3', file: '8' },
    ]);
  });

  it("takes a secret's name and its ARN (with Secrets Manager's suffix or without) for the same secret", () => {
    const arn = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:sfdc/contact-centre/acme';

    expect(differences({ SECRET_NAME: 'sfdc/contact-centre/acme' }, { SECRET_NAME: `${arn}-AbC123` })).toEqual([]);
    expect(differences({ SECRET_NAME: `${arn}-AbC123` }, { SECRET_NAME: arn })).toEqual([]);
    expect(differences({ SECRET_NAME: 'sfdc/contact-centre/acme' }, { SECRET_NAME: `${arn}-other` })).toEqual([
      { name: 'SECRET_NAME', deployed: `${arn}-other`, file: 'sfdc/contact-centre/acme' },
    ]);
  });

  it("compares the org records' place (SECRET_CACHE_S3) as it takes effect", () => {
    const records = (value: string) => ({ ...ENV_LAYOUT, SECRET_CACHE_S3: value });

    expect(differences(records('acme-org-records/connect/'), records('acme-org-records/connect'))).toEqual([]);
    expect(differences(records('acme-org-records/connect'), records('acme-org-records'))).toEqual([
      { name: 'SECRET_CACHE_S3', deployed: 'acme-org-records', file: 'acme-org-records/connect' },
    ]);
    expect(differences(ENV_LAYOUT, records('acme-org-records'))).toEqual([
      { name: 'SECRET_CACHE_S3', deployed: 'acme-org-records', file: undefined },
    ]);
  });

  it('tells the layouts apart: a contact-centre secret is not an SSM parameter', () => {
    const names = differences({ SECRET_NAME: 'sfdc/contact-centre/acme' }, ENV_LAYOUT).map((d) => d.name);

    expect(names).toEqual([
      'SECRET_NAME',
      'SCRT_ENDPOINT_BASE',
      'SALESFORCE_ORG_ID',
      'CALL_CENTER_API_NAME',
      'PRIVATE_KEY_PARAM_NAME',
    ]);
  });
});
