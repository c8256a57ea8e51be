import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import { type Check, type DoctorState, fail, pass, skip } from '../check.ts';

/** The TLS handshake may take this long. */
export const TLS_TIMEOUT_MS = 5_000;

/** Salesforce's host resolves, and it presents a TLS certificate this machine's trust store (plus NODE_EXTRA_CA_CERTS) accepts. */
export const salesforceHostCheck: Check = {
  title: 'Salesforce host resolves and its TLS is valid',
  async run(state) {
    const endpointBase = endpointOf(state);
    if (!endpointBase) return skip('needs SCRT_ENDPOINT_BASE (from the contact-centre secret)');
    const url = new URL(endpointBase);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || 443);
    const settingFix = 'check SCRT_ENDPOINT_BASE: https://<MyDomain>.my.salesforce-scrt.com/telephony/v1';
    let address: string;
    try {
      ({ address } = await lookup(host));
    } catch (error) {
      return fail(`${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'DNS error'})`, settingFix);
    }
    const outcome = await handshake(host, port);
    if ('certificate' in outcome) {
      state.hostVerified = true;
      const { subject, valid_to: validTo } = outcome.certificate;
      return pass(
        `${host} is ${address}; its certificate (${subject?.CN ?? 'no CN'}, valid until ${validTo}) is trusted`,
      );
    }
    const { code, message } = outcome.error;
    if (outcome.tls) {
      return fail(
        `${host}'s TLS certificate is not accepted: ${message} (${code})`,
        `${settingFix}; behind a TLS-inspecting proxy, set NODE_EXTRA_CA_CERTS in ${state.options.envFile} to its CA certificate file`,
      );
    }
    return fail(
      `cannot open a TLS connection to ${host}:${port}: ${message} (${code})`,
      `${settingFix}, and that this machine may reach it`,
    );
  },
};

function endpointOf({ org, config }: DoctorState): string | undefined {
  if (org) return org.settings.endpointBase;
  if (!config) return undefined;
  return config.home.kind === 'env' ? config.home.settings.endpointBase : config.home.overrides.endpointBase;
}

type Handshake =
  | { readonly certificate: PeerCertificate }
  | { readonly error: { readonly code: string; readonly message: string }; readonly tls: boolean };

/** One TLS handshake, verified as the function's own connections are (SNI for a name, none for an address). */
function handshake(host: string, port: number): Promise<Handshake> {
  return new Promise((resolve) => {
    let settled = false;
    const socket = connect({ host, port, servername: isIP(host) ? undefined : host, timeout: TLS_TIMEOUT_MS });
    const settle = (outcome: Handshake) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(outcome);
    };
    socket.once('secureConnect', () => settle({ certificate: socket.getPeerCertificate() }));
    socket.once('timeout', () =>
      settle({ error: { code: 'ETIMEDOUT', message: `no TLS handshake within ${TLS_TIMEOUT_MS} ms` }, tls: false }),
    );
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'ERROR';
      const tls = !/^E[A-Z]+$/.test(code) || code === 'EPROTO';
      settle({ error: { code, message: error.message }, tls });
    });
  });
}
