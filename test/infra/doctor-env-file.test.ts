import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../../lambda/src/config.ts';
import { parseDoctorArgs, UsageError } from '../../infra/doctor/args.ts';
import { readEnvFile } from '../../infra/doctor/env-file.ts';
import { ROOT } from '../support/run-command.ts';
import { scratchDir } from './doctor-support.ts';

const EXAMPLE = join(ROOT, '.env.example');

describe('Function: readEnvFile', () => {
  it('splits settings, AWS and Node variables, and names nothing reads', () => {
    const file = join(scratchDir(), 'org.env');
    writeFileSync(
      file,
      [
        '# a comment',
        'SECRET_NAME=sfdc/contact-centre/acme',
        'export ON_ERROR=attributes',
        'DEFAULT_FLOW_DEV_NAME="Route # quoted"',
        'AWS_REGION=eu-west-2',
        'NODE_EXTRA_CA_CERTS=/etc/proxy-ca.pem',
        'SALESFORCE_ORGID=00D000000000000',
      ].join('\n'),
    );

    const read = readEnvFile(file);

    expect(read.settings).toEqual({
      SECRET_NAME: 'sfdc/contact-centre/acme',
      ON_ERROR: 'attributes',
      DEFAULT_FLOW_DEV_NAME: 'Route # quoted',
    });
    expect(read.environment).toEqual({ AWS_REGION: 'eu-west-2', NODE_EXTRA_CA_CERTS: '/etc/proxy-ca.pem' });
    expect(read.unknownNames).toEqual(['SALESFORCE_ORGID']);
  });

  it('names the file it cannot read', () => {
    expect(() => readEnvFile('no/such.env')).toThrow('cannot read no/such.env: ENOENT');
  });
});

describe('File: .env.example', () => {
  const text = readFileSync(EXAMPLE, 'utf8');
  /** The example with every `# NAME=value` line uncommented. */
  const uncommented = text.replace(/^# ([A-Z][A-Z0-9_]*=)/gm, '$1');

  it('sets nothing as shipped: the reader chooses a layout', () => {
    const read = readEnvFile(EXAMPLE);

    expect([read.settings, read.environment, read.unknownNames]).toEqual([{}, {}, []]);
  });

  it('shows every setting the function reads, and only names something reads', () => {
    const file = join(scratchDir(), 'uncommented.env');
    writeFileSync(file, uncommented);

    const read = readEnvFile(file);

    expect(Object.keys(read.settings).sort()).toEqual([...SETTING_NAMES].sort());
    expect(read.unknownNames).toEqual([]);
    expect(Object.keys(read.environment)).toEqual(
      expect.arrayContaining([
        'AWS_REGION',
        'AWS_PROFILE',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'NODE_EXTRA_CA_CERTS',
      ]),
    );
  });
});

describe('Function: parseDoctorArgs', () => {
  it('reads --env, --certificate and --stack', () => {
    expect(parseDoctorArgs(['--env', 'a.env', '--certificate', 'cc.crt', '--stack', 'Bridge'])).toEqual({
      envFile: 'a.env',
      certificateFile: 'cc.crt',
      stackName: 'Bridge',
    });
  });

  it.each([[['--help']], [['-h']], [['--stack', 'Bridge', '-h']], [['--env', 'a.env', '--help']]])(
    'answers %j with a request for help, whatever else is given',
    (argv) => {
      expect(parseDoctorArgs(argv)).toBe('help');
    },
  );

  it.each([
    [[], '--env FILE is required'],
    [['--env', 'a.env', '--stack', ' '], '--stack needs a value'],
    [['--env', 'a.env', '--routing'], "Unknown option '--routing'"],
  ])('refuses %j', (argv, message) => {
    expect(() => parseDoctorArgs(argv)).toThrow(UsageError);
    expect(() => parseDoctorArgs(argv)).toThrow(message);
  });
});
