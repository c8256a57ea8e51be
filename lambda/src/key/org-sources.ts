import { type HomeOrgSetting, ORG_SETTING_CHECKS, type OrgSettings } from '../config.ts';
import { KeyError } from '../errors.ts';
import { parsePrivateKey } from './pem.ts';
import { SecretsManagerKeySource } from './secrets-manager.ts';
import type { KeySource, Org, OrgSource } from './source.ts';
import { SsmKeySource } from './ssm.ts';

/** The contact-centre secret's key field is the call center's API name followed by this. */
export const KEY_FIELD_SUFFIX = '-scrt-jwt-auth-private-key';

/** Pre-2025 layout: the org's settings come from the environment, only the key from the store. */
export class EnvOrgSource implements OrgSource {
  constructor(
    private readonly keys: KeySource,
    private readonly settings: OrgSettings,
  ) {}

  get description(): string {
    return this.keys.description;
  }

  async prepare(): Promise<void> {
    await this.keys.prepare?.();
  }

  async load(signal: AbortSignal): Promise<Org> {
    return { settings: this.settings, key: parsePrivateKey(await this.keys.fetch(signal), this.description) };
  }
}

/** Salesforce's contact-centre secret (Winter '26): the org's settings and key in one JSON SecretString. */
export class ContactCentreSecretSource implements OrgSource {
  readonly #secret: SecretsManagerKeySource;

  /**
   * @param origin - what named the secret, for messages (`SECRET_NAME`, or the event field of a per-call secret)
   * @param overrides - settings from the environment, which win over the secret's fields (the function's own org only)
   */
  constructor(
    readonly secretId: string,
    origin: string,
    private readonly overrides: Partial<OrgSettings> = {},
  ) {
    this.#secret = new SecretsManagerKeySource(secretId, origin);
  }

  get description(): string {
    return this.#secret.description;
  }

  /** The secret's complete ARN, once it has been read. */
  get arn(): string | undefined {
    return this.#secret.arn;
  }

  prepare(): Promise<void> {
    return this.#secret.prepare();
  }

  async load(signal: AbortSignal): Promise<Org> {
    return parseContactCentreSecret(await this.#secret.fetch(signal), this.description, this.overrides);
  }
}

/** The source of the function's own org, as its settings say. */
export function homeOrgSource(home: HomeOrgSetting): OrgSource {
  if (home.kind === 'secret') return new ContactCentreSecretSource(home.secretName, 'SECRET_NAME', home.overrides);
  const keys =
    home.key.kind === 'ssm'
      ? new SsmKeySource(home.key.name)
      : new SecretsManagerKeySource(home.key.id, home.key.variable);
  return new EnvOrgSource(keys, home.settings);
}

/**
 * Reads Salesforce's contact-centre secret: `SALESFORCE_ORG_ID`, `SCRT_ENDPOINT_BASE`, `CALL_CENTER_API_NAME` and
 * `<CALL_CENTER_API_NAME>-scrt-jwt-auth-private-key`, each validated like the setting of the same name; a field in
 * `overrides` replaces the secret's. Pure.
 *
 * @throws {KeyError} naming the secret and the field, never a value
 */
export function parseContactCentreSecret(stored: string, where: string, overrides: Partial<OrgSettings> = {}): Org {
  const fields = jsonFields(stored, where);
  const settings = Object.fromEntries(
    Object.entries(ORG_SETTING_CHECKS).map(([setting, [field, check]]) => {
      const override = overrides[setting as keyof OrgSettings];
      if (override !== undefined) return [setting, override];
      const value = fields[field];
      if (typeof value !== 'string' || value.trim() === '') throw new KeyError(`${where} has no ${field} field`);
      try {
        return [setting, check(value.trim())];
      } catch (error) {
        throw new KeyError(`${where}: field ${field} ${(error as Error).message}`);
      }
    }),
  ) as unknown as OrgSettings;
  const keyField = [settings.callCenterApiName, fields.CALL_CENTER_API_NAME]
    .map((name) => `${String(name)}${KEY_FIELD_SUFFIX}`)
    .find((name) => typeof fields[name] === 'string');
  if (keyField === undefined) {
    throw new KeyError(`${where} has no ${settings.callCenterApiName}${KEY_FIELD_SUFFIX} field (the private key)`);
  }
  return { settings, key: parsePrivateKey(fields[keyField] as string, `${where}, field ${keyField}`) };
}

function jsonFields(stored: string, where: string): Readonly<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    throw new KeyError(`${where} is not JSON: expected Salesforce's contact-centre secret (SALESFORCE_ORG_ID, …)`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new KeyError(`${where} is not a JSON object: expected Salesforce's contact-centre secret`);
  }
  return parsed as Record<string, unknown>;
}
