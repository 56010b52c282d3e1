import { readFileSync } from 'node:fs';
import { registerSecret } from '@wif/http';
import { makeTestToken } from '@wif/testing';
import { describe, expect, it } from 'vitest';
import { diagnoseText } from './diagnoseText';
import { DIAGNOSIS_CAUSES, type DiagnosisCause } from './types';

const TRACE =
  '\r\nTrace ID: 0f3b1c2d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\r\nCorrelation ID: 5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d\r\nTimestamp: 2026-03-04 10:41:12Z';
const ENTRA = 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0';
const ENTRA_SUBJECT =
  '/eid1/c/pub/t/v4j5cvGGr0GRqy180BHbRw/a/rISbSSETf0KqFyZ8ppdXmA/sc/3f6e2a1b-5c4d-4e8f-9a0b-1c2d3e4f5a6b/1dfdea68-9549-409e-abee-c5da69cfec5f';
const CHECK = 'Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.';

/** Inputs in the shapes the docs (docs/reference/federation.md §5, the Azure DevOps error table) and the seed show. */
const TABLE: ReadonlyArray<readonly [string, string, DiagnosisCause, RegExp?]> = [
  [
    '700213 with a legacy subject',
    `##[error]AADSTS700213: No matching federated identity record found for presented assertion subject 'sc://contoso/Web/sc-prod'. ${CHECK}${TRACE}`,
    'SubjectMismatch',
    /presented subject: sc:\/\/contoso\/Web\/sc-prod/,
  ],
  [
    'the token endpoint JSON body of 700213',
    JSON.stringify({
      error: 'invalid_client',
      error_description: `AADSTS700213: No matching federated identity record found for presented assertion subject '${ENTRA_SUBJECT}'. ${CHECK}${TRACE}`,
      error_codes: [700213],
      trace_id: '0f3b1c2d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    }),
    'SubjectMismatch',
    /presented subject: \/eid1\//,
  ],
  [
    '70021 quoting the old Azure DevOps issuer (Azure DevOps table)',
    'AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: https://app.vstoken.visualstudio.com.',
    'IssuerMismatch',
    /presented issuer: https:\/\/app\.vstoken\.visualstudio\.com$/,
  ],
  [
    '70021 after a rename (Azure DevOps table)',
    `AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: ${ENTRA}. Assertion Subject: sc://contoso/platform/sc-platform-prod.`,
    'SubjectMismatch',
    /rename/,
  ],
  ['70021 as the seed quotes it', 'AADSTS70021: No matching federated identity record found', 'SubjectMismatch'],
  [
    '700211 with the Entra issuer (credential still on the legacy issuer)',
    `AADSTS700211: No matching federated identity record found for presented assertion issuer '${ENTRA}'. ${CHECK}`,
    'IssuerMismatch',
    /presented issuer: https:\/\/login\.microsoftonline\.com/,
  ],
  [
    '700212',
    `AADSTS700212: No matching federated identity record found for presented assertion audience 'fb60f99c-7a34-4190-8149-302f77469936'. ${CHECK}`,
    'AudienceMismatch',
    /presented audience: fb60f99c/,
  ],
  [
    '70025',
    "AADSTS70025: The client '631a96bc-a705-4eda-9f99-fdaf9f54f6a2'(ado-sc-prod) has no configured federated identity credentials.",
    'NoFederatedCredentials',
  ],
  [
    '700024 from a token not valid yet (clock ahead)',
    'AADSTS700024: Client assertion is not within its valid time range. Current time: 2026-03-04T10:00:00.0000000Z, assertion valid from 2026-03-04T10:07:30.0000000Z, expiry time of assertion 2026-03-04T10:12:30.0000000Z.',
    'ClockSkew',
    /valid from 2026-03-04T10:07:30/,
  ],
  [
    '700024 after more than an hour (long job)',
    'AADSTS700024: Client assertion is not within its valid time range. Current time: 2026-03-04T10:41:12.5120000Z, assertion valid from 2026-03-04T09:26:05.0000000Z, expiry time of assertion 2026-03-04T09:31:05.0000000Z.',
    'AssertionExpired',
    /issued 75 min before/,
  ],
  [
    '700024 after 25 minutes',
    'AADSTS700024: Client assertion is not within its valid time range. Current time: 2026-03-04 10:30:00Z, assertion valid from 2026-03-04 10:05:00Z, expiry time of assertion 2026-03-04 10:10:00Z.',
    'AssertionExpired',
    /issued 25 min before/,
  ],
  ['700024 as the seed quotes it', 'AADSTS700024: Client assertion is not within its valid time range', 'AssertionExpired'],
  [
    'an ARM 403 from AzureCLI',
    "ERROR: (AuthorizationFailed) The client '631a96bc-a705-4eda-9f99-fdaf9f54f6a2' with object id '9c1f3e55-2b7d-4d61-8a3e-2f0b6c4d8e19' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourcegroups/read' over scope '/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/resourcegroups/rg-web' or the scope is invalid. If access was recently granted, please refresh your credentials.\nCode: AuthorizationFailed",
    'RoleAssignmentMissing',
    /scope: \/subscriptions\/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2\/resourcegroups\/rg-web/,
  ],
  [
    "the seed's short Forbidden",
    "Forbidden: The client 'XXX' with object id 'YYY' does not have authorization",
    'RoleAssignmentMissing',
    /object id: YYY/,
  ],
  [
    'a YAML resource authorization issue',
    'There was a resource authorization issue: "The pipeline is not valid. Job Deploy: Step AzureCLI input connectedServiceNameARM references service connection sc-prod which could not be found. The service connection does not exist, has been disabled or has not been authorized for use. For authorization details, refer to https://aka.ms/yamlauthz."',
    'PipelineNotAuthorized',
    /connection named in the pipeline: sc-prod/,
  ],
  ["the seed's AzureCLI@2 message", '##[error]ServiceConnectionId is malformed or the connection does not exist', 'ConnectionNotShared'],
  [
    'a pipeline without permission',
    "Pipeline does not have permissions to use service connection 'MyAzureConnection'.",
    'PipelineNotAuthorized',
  ],
  [
    'an approval gate',
    'Waiting for approval. 1 approval needs your review before this run can continue to Deploy to prod.',
    'ApprovalPending',
  ],
  [
    "the seed's unexplained access failure",
    'Pipeline run is unable to access Service Connection sc-prod',
    'ApprovalPending',
    /approval gate/,
  ],
  ['70052', 'AADSTS70052: The identity must be a managed identity, a single tenant app, or a service account.', 'MultiTenantApp'],
  [
    '700223',
    'AADSTS700223: Workload identity federation is constrained or disabled on the Microsoft Entra tenant.',
    'FederationRestricted',
  ],
  ['700238', 'Microsoft Entra rejected the token issued by Azure DevOps with error code AADSTS700238', 'FederationRestricted'],
  [
    '700016',
    "AADSTS700016: Application with identifier '631a96bc-a705-4eda-9f99-fdaf9f54f6a2' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant.",
    'AppNotFound',
    /application id: 631a96bc/,
  ],
  [
    '7000215 on a secret-based connection',
    'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID',
    'SecretInvalid',
  ],
  [
    '7000229',
    'AADSTS7000229: The client application 631a96bc-a705-4eda-9f99-fdaf9f54f6a2 is missing service principal in the tenant 72f988bf-86f1-41af-91ab-2d7cd011db47.',
    'ServicePrincipalMissing',
  ],
  [
    'a task without federation',
    'cannot request token: Get ?audience=api://AzureADTokenExchange: unsupported protocol scheme',
    'TaskDoesNotSupportWif',
  ],
  [
    'an old Azure CLI',
    'Script failed with error: UnrecognizedArgumentError: unrecognized arguments: --federated-token',
    'TaskDoesNotSupportWif',
  ],
  ['900382', 'AADSTS900382: Confidential Client is not supported in Cross Cloud request.', 'CrossCloudUnsupported'],
  [
    'an OIDC token refused for a connection the stage does not reference',
    "##[error]There is no explicit reference to service connection 3f6e2a1b-5c4d-4e8f-9a0b-1c2d3e4f5a6b from current stage 'verify'.",
    'ConnectionNotReferenced',
    /service connection: 3f6e2a1b-5c4d-4e8f-9a0b-1c2d3e4f5a6b/,
  ],
  [
    'an AADSTS code wif does not know',
    'AADSTS50173: The provided grant has expired due to it being revoked.',
    'Unknown',
    /error\?code=50173/,
  ],
];

describe('diagnoseText', () => {
  it.each(TABLE.map(([name, text, cause, evidence]) => ({ name, text, cause, evidence })))(
    'recognises $name',
    ({ text, cause, evidence }) => {
      const [top, ...rest] = diagnoseText(text);
      expect(top?.cause).toBe(cause);
      expect(top?.fix.length).toBeGreaterThan(0);
      if (evidence) expect(top?.evidence.join('\n')).toMatch(evidence);
      for (const d of rest)
        expect(['certain', 'likely', 'possible'].indexOf(d.confidence)).toBeGreaterThanOrEqual(
          ['certain', 'likely', 'possible'].indexOf(top!.confidence),
        );
    },
  );

  it('covers every cause of the catalogue but Unknown-only ones with the table', () => {
    const seen = new Set(TABLE.map(([, , cause]) => cause));
    // Only a live comparison (or, for ConnectionMigrated, a migration journal) tells these: the text alone cannot.
    const liveOnly = new Set(['CredentialPropagation', 'ConnectionChanged', 'ConnectionRenamed', 'ConnectionMigrated']);
    expect(DIAGNOSIS_CAUSES.filter((c) => !seen.has(c) && !liveOnly.has(c))).toEqual([]);
  });

  it('names the codes it rests on', () => {
    expect(diagnoseText(TABLE[0]![1])[0]?.codes).toEqual(['AADSTS700213']);
    expect(diagnoseText(TABLE[12]![1])[0]?.codes).toEqual(['AuthorizationFailed']);
  });

  it('reads AADSTS70021 as a mismatch first and propagation only as possible', () => {
    const causes = diagnoseText('AADSTS70021: No matching federated identity record found for presented assertion.').map((d) => [
      d.cause,
      d.confidence,
    ]);
    expect(causes).toEqual([
      ['SubjectMismatch', 'likely'],
      ['IssuerMismatch', 'possible'],
      ['CredentialPropagation', 'possible'],
    ]);
  });

  it('gives the Azure DevOps advice that fits how long the assertion was kept', () => {
    expect(diagnoseText(TABLE[9]![1])[0]?.fix[0]).toMatch(/managed identity/);
    expect(diagnoseText(TABLE[10]![1])[0]?.fix[0]).toMatch(/beginning of the script/);
    // Expired a few minutes after issue: the lifetime was short; either reading is possible.
    const short = diagnoseText(
      'AADSTS700024: Client assertion is not within its valid time range. Current time: 2026-03-04T10:06:00Z, assertion valid from 2026-03-04T10:00:00Z, expiry time of assertion 2026-03-04T10:05:00Z.',
    );
    expect(short.map((d) => [d.cause, d.confidence])).toEqual([
      ['AssertionExpired', 'possible'],
      ['ClockSkew', 'possible'],
    ]);
  });

  it('says what to collect when it recognises nothing', () => {
    const [only, ...none] = diagnoseText('Something else went wrong.');
    expect(none).toEqual([]);
    expect(only).toMatchObject({ cause: 'Unknown', confidence: 'possible', codes: [] });
    expect(only?.fix.join(' ')).toMatch(/Trace ID/);
  });

  it('never quotes a token or a secret back, whatever the paste holds', () => {
    const jwt = makeTestToken('api://AzureADTokenExchange/.default', { sub: 'sc://contoso/web/prod' });
    const opaque = 'opaque-registered-secret-0123456789';
    registerSecret(opaque);
    const paste = [
      `AADSTS700213: No matching federated identity record found for presented assertion subject '${opaque}'.`,
      `client_assertion=${jwt}&client_secret=abc~Q7Xy`,
      `Authorization: Bearer ${jwt}`,
      `"accessToken": "${opaque}"`,
    ].join('\n');
    const out = JSON.stringify(diagnoseText(paste));
    expect(out).not.toContain(jwt);
    expect(out).not.toContain(opaque);
    expect(out).toContain('[REDACTED]');
  });

  // Speed belongs in bench/, not here (a wall-clock bound in a unit test fails on a busy
  // machine and proves nothing on a fast one); catastrophic backtracking would still hit the test timeout.
  it('reads a long, repetitive paste', () => {
    const noise = "presented assertion subject '".repeat(20_000) + 'AADSTS70021 '.repeat(10_000);
    expect(diagnoseText(noise)[0]?.cause).toBe('SubjectMismatch');
  });

  it('is what docs/diagnose.md documents: every cause has a section', () => {
    const doc = readFileSync(new URL('../../../../docs/diagnose.md', import.meta.url), 'utf8');
    for (const cause of DIAGNOSIS_CAUSES) expect(doc).toContain(`\`${cause}\``);
  });
});

describe('diagnoseText: a connection the stage does not reference', () => {
  it('is certain from the message alone, quotes the connection id and points at the explicit reference', () => {
    const text =
      'Failed to get an OIDC token: {"message":"There is no explicit reference to service connection 8b0c7a11-2d2f-4f0e-9d3a-5e6f7a8b9c0d from current stage. Reference it in a task input of the stage."}';
    const [top] = diagnoseText(text);
    expect(top?.cause).toBe('ConnectionNotReferenced');
    expect(top?.confidence).toBe('certain');
    expect(top?.evidence).toEqual(['service connection: 8b0c7a11-2d2f-4f0e-9d3a-5e6f7a8b9c0d']);
    expect(top?.fix.join('\n')).toMatch(/azureSubscription: <connection name>/);
    expect(top?.fix.join('\n')).toMatch(/wif pipeline verify/);
  });

  it('is not read into other messages about service connections', () => {
    expect(
      diagnoseText('The service connection sc-x does not exist, has been disabled or has not been authorized for use.').map((d) => d.cause),
    ).not.toContain('ConnectionNotReferenced');
  });
});
