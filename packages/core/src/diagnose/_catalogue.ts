/**
 * What each cause means and what to do about it. Sources: docs/reference/federation.md §5, the Azure DevOps
 * error tables (https://learn.microsoft.com/azure/devops/pipelines/release/troubleshoot-workload-identity and
 * the error table it includes, ms.date 03/26/2026) and the seed article's
 * troubleshooting section. docs/diagnose.md renders the same catalogue for people.
 */
import type { DiagnosisCause } from './types';

export interface CatalogueEntry {
  readonly summary: string;
  readonly fix: readonly string[];
}

const RECONCILE =
  'With wif: `wif sync --config FILE --yes` rebinds the credential to the issuer and subject it reads back from Azure DevOps (`wif sync --detect-only` shows the difference first).';

export const CATALOGUE: Readonly<Record<DiagnosisCause, CatalogueEntry>> = {
  SubjectMismatch: {
    summary: 'The subject the pipeline presents does not exactly match the subject of any federated credential on the app.',
    fix: [
      "Copy the subject from the service connection (authorization.parameters.workloadIdentityFederationSubject, or the connection's edit dialog) into the app's federated credential: the comparison is exact and case-sensitive.",
      RECONCILE,
      'A legacy subject (sc://organization/project/connection) embeds names: after renaming the organization, project or connection, update the credential, or convert the connection to the Entra issuer, whose subject uses ids: `wif migrate convert --issuer --connection NAME --project PROJECT`.',
    ],
  },
  IssuerMismatch: {
    summary: 'No federated credential on the app has the issuer the pipeline presents.',
    fix: [
      'Add a federated credential with the issuer and subject the connection shows now (both coexist on the app: keep the old one until every pipeline uses the new issuer).',
      'A connection moved to the Entra issuer (https://login.microsoftonline.com/{tenant}/v2.0) needs a credential for it; one on the Azure DevOps issuer (https://vstoken.dev.azure.com/{organization id}) no longer matches.',
      'Editing and saving the connection in Azure DevOps updates the issuer of identities Azure DevOps created; for an identity you created, update the credential yourself. ' +
        RECONCILE,
    ],
  },
  AudienceMismatch: {
    summary: 'The federated credential matches issuer and subject, but its audience is not api://AzureADTokenExchange.',
    fix: ['Set the credential\'s audiences to exactly ["api://AzureADTokenExchange"]. ' + RECONCILE],
  },
  NoFederatedCredentials: {
    summary: 'The app has no federated identity credential at all.',
    fix: ['Create the federated credential with the issuer and subject of the service connection. ' + RECONCILE],
  },
  CredentialPropagation: {
    summary:
      'Issuer, subject and audience match exactly, but Entra has not propagated the credential yet: AADSTS70021 is answered for a few minutes after a credential is created or changed.',
    fix: [
      'Wait a few minutes and run the pipeline again; `wif verify --exchange` retries with bounded back-off by itself.',
      'If it still fails after about ten minutes, compare issuer and subject again (`wif verify`).',
    ],
  },
  ConnectionChanged: {
    summary:
      'The run presented an issuer or subject the connection no longer presents, and its credential matches what it presents now: the connection changed after that run (moved to the Entra issuer, or it, its project or its organization renamed).',
    fix: [
      'Run the pipeline again: a run started after the change presents the new issuer and subject.',
      'If a new run fails too, diagnose its own log: it quotes what that run presented.',
    ],
  },
  AssertionExpired: {
    summary: 'The OIDC token (the client assertion) had expired when it was exchanged.',
    fix: [
      'If the error happens after about 1 hour: use a workload identity service connection with a managed identity instead; its tokens live about 24 hours.',
      'If it happens after 10 minutes but before 1 hour: move the commands that (implicitly) request an access token, e.g. for Azure Storage, to the beginning of the script; the access token is then cached.',
      'Request a fresh OIDC token right before each exchange; never cache or reuse an assertion.',
    ],
  },
  ClockSkew: {
    summary: "The assertion's validity window and Entra's clock disagree: a clock involved is off.",
    fix: [
      "On a self-hosted agent, fix the machine's clock: turn on NTP time synchronisation (e.g. `timedatectl set-ntp true`, or the Windows Time service) and check the time zone.",
      'Hosted agents keep their clocks synchronised: if it happens there, collect the error with its timestamps, Trace ID and Correlation ID.',
    ],
  },
  RoleAssignmentMissing: {
    summary: 'Entra accepted the federated credential, but the service principal has no role that allows this action at the scope.',
    fix: [
      "Assign a role that allows the action at that scope (or a parent scope) to the app's service principal: add it to the connection's `roles:` in the spec and run `wif apply --config FILE`, or `az role assignment create --assignee-object-id <service principal object id> --assignee-principal-type ServicePrincipal --role <role> --scope <scope>`.",
      'If the role was granted minutes ago, run the pipeline again: new role assignments take a few minutes to apply.',
    ],
  },
  ConnectionNotShared: {
    summary:
      "The pipeline's project cannot see the service connection: it lives in another project and is not shared with this one, or the name is wrong.",
    fix: [
      'Check that the task input (azureSubscription, connectedServiceNameARM) names a connection of this project exactly.',
      'Share the connection from the project that owns it: Project settings → Service connections → the connection → Security → Project permissions (or `shareWith:` in a wif spec, then `wif apply`).',
    ],
  },
  ConnectionRenamed: {
    summary:
      'The pipeline names the service connection as the spec does, but the connection was renamed in Azure DevOps after the pipeline was written.',
    fix: [
      'Rename it back: `wif sync --config FILE --yes` (it finds the connection through its app or managed identity; on the Entra issuer its credential stays as it is, a legacy subject is rebound).',
      "Or keep the new name: change the pipeline's task input (azureSubscription) and the connection's name in the spec together, else the next sync renames it back.",
    ],
  },
  ConnectionMigrated: {
    summary:
      'The pipeline names a connection that a wif migration deleted: `wif migrate finish` removed the old connection once its replacement was live (or `wif migrate rollback` removed the new one).',
    fix: [
      "Point the pipeline's task input (azureSubscription, connectedServiceNameARM) at the connection that replaced it (named above), and run it again.",
      'Before the next `wif migrate finish`, run `wif migrate status --usage`: it lists the pipelines still on the old connection (finish refuses while one ran with it after the go-live, but a pipeline that did not run during the soak leaves no trace).',
    ],
  },
  PipelineNotAuthorized: {
    summary: 'The service connection is not authorized for this pipeline.',
    fix: [
      'Open the failed run and choose Permit (or Authorize resources); it needs the User role on the connection.',
      'Or authorize it under Project settings → Service connections → the connection → Security → Pipeline permissions (or `pipelines:` in a wif spec, then `wif apply`).',
      'After referencing a connection on another branch, save the pipeline once with that branch as its default so the reference gets authorized.',
    ],
  },
  ApprovalPending: {
    summary: 'The run waits for an approval or check (e.g. an environment approval gate) before it may use the connection.',
    fix: [
      "Open the run's approvals and checks and ask an approver to approve; workload identity federation changes what authenticates, not who approves.",
      'If nobody is asked, review the Approvals and checks of the connection and of the environment the job deploys to.',
    ],
  },
  MultiTenantApp: {
    summary: 'The app is multi-tenant (AzureADMultipleOrgs); the Entra issuer only accepts single-tenant apps and managed identities.',
    fix: [
      "Set the app's signInAudience to AzureADMyOrg (registerApp creates apps so) and use one service connection per tenant.",
      'If ARM calls must span tenants in one request, ask Microsoft support to keep the organization on the Azure DevOps issuer.',
    ],
  },
  FederationRestricted: {
    summary: 'Workload identity federation is disabled or constrained by a policy of the Entra tenant. Retrying does not help.',
    fix: [
      "Ask the tenant administrator to allow workload identity federation for the Azure DevOps organization's issuer and for the identity type used (app registration or managed identity).",
      'Where the policy allows it, use a managed identity for the federation instead (https://aka.ms/azdo-rm-workload-identity-manual).',
    ],
  },
  AppNotFound: {
    summary:
      'Entra does not know the application the connection names: it was deleted, the appId or tenant is wrong, or it was created moments ago.',
    fix: [
      "Compare the connection's authorization.parameters serviceprincipalid and tenantid with the app registration.",
      'Right after creating the app, retry after a minute (replication).',
      'If the app was deleted, vend it again: `wif apply --config FILE` creates the app, binds the credential and updates the connection.',
    ],
  },
  ServicePrincipalMissing: {
    summary: 'The application has no service principal in the tenant, so it cannot sign in.',
    fix: ['Create the service principal (`wif apply --config FILE` does; or `az ad sp create --id <appId>`), then grant its roles again.'],
  },
  SecretInvalid: {
    summary: 'The connection signs in with a client secret that is wrong or has expired.',
    fix: [
      'Convert the connection to workload identity federation instead of rotating its secret, with `wif migrate start --connection NAME --project PROJECT` (a new connection, with a way back), or in place for an automatic-mode connection `wif migrate convert --scheme --connection NAME --project PROJECT`.',
      'Until then, enter a new secret value (the value, not the secret ID) in the connection.',
    ],
  },
  TaskDoesNotSupportWif: {
    summary: 'The task, or the tool version it runs, does not support workload identity federation.',
    fix: [
      'Use a task version that supports it (see the task table of the Azure DevOps troubleshooting guide), e.g. AzureCLI@2, AzurePowerShell@5, AzureFileCopy@6.',
      'AzureCLI needs Azure CLI 2.30 or later on the agent (--federated-token).',
    ],
  },
  CrossCloudUnsupported: {
    summary: 'The sovereign cloud blocks workload identity federation for confidential clients across clouds (AADSTS900382).',
    fix: [
      'Use a connection whose identity lives in the same cloud as the target, or another authentication scheme where federation is blocked.',
    ],
  },
  ConnectionNotReferenced: {
    summary:
      'Azure DevOps refused an OIDC token for a service connection that the running stage does not reference explicitly: it issues tokens only for connections a task input of the stage names.',
    fix: [
      'Reference the connection in the stage that needs its token, e.g. an AzureCLI@2 step with `azureSubscription: <connection name>` (a literal name, or a variable defined in the YAML) in a job of that stage.',
      '`wif pipeline verify --config wif.yaml` writes a pipeline with one stage per connection that references it before `wif verify --exchange`.',
      'A token for a connection that only a script names (SYSTEM_OIDCREQUESTURI with serviceConnectionId=…) is refused: name the connection in a task input.',
    ],
  },
  Unknown: {
    summary: 'wif does not recognise this error.',
    fix: [
      'Collect the full error text with its AADSTS code, Trace ID, Correlation ID and Timestamp; the task name and version; whether the agent is hosted or self-hosted.',
      'Run `wif diagnose` with the project and the connection, so the live state (issuer, subject, audience, role assignments) is compared too.',
      'Look AADSTS codes up at https://login.microsoftonline.com/error?code=NNNN.',
    ],
  },
};
