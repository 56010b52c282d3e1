import { redact } from '@wif/http';
import { issuerKind } from '../constants';
import { CATALOGUE } from './_catalogue';
import { clip, Findings } from './_findings';
import { aadstsCodes, armDenial, type ArmDenial, assertionField, assertionTimes, missingConnectionName, presented } from './_parse';
import type { Diagnosis } from './types';

/** Longer pastes are cut: the error is near the top of what people paste, and matching stays fast. */
const MAX_TEXT = 200_000;
const MINUTE = 60_000;

/** What the rules found, with the facts the live checks build on. @internal */
export interface TextReading {
  readonly findings: Findings;
  readonly denial: ArmDenial | undefined;
}

type Rule = (text: string, codes: ReadonlySet<number>, found: Findings) => void;

const aadsts = (...codes: number[]): string[] => codes.map((c) => `AADSTS${c}`);
const minutes = (ms: number): string => (ms >= 2 * MINUTE ? `${Math.round(ms / MINUTE)} min` : `${Math.round(ms / 1000)} s`);

const subjectRules: Rule = (text, codes, found) => {
  const subject = presented(text, 'subject');
  if (codes.has(700213) || subject !== undefined) {
    found.add('SubjectMismatch', {
      confidence: 'certain',
      summary: subject
        ? `No federated credential on the app has the subject the pipeline presented ('${subject}'), with the issuer it presented.`
        : undefined,
      evidence: subject ? [`presented subject: ${subject}`, ...legacySubjectHint(subject)] : [],
      codes: aadsts(700213),
    });
  }
  // AADSTS7002138: Entra matches federated credential subjects case-sensitively since 2024-2025
  // (https://learn.microsoft.com/entra/identity-platform/reference-breaking-changes); a subject that
  // differs only in letter case now fails, e.g. after an agent or a rename changed the case.
  if (codes.has(7002138) || /matches with case-insensitive comparison,? but not with case-sensitive/i.test(text)) {
    found.add('SubjectMismatch', {
      confidence: 'certain',
      summary: `The subject the pipeline presented${subject ? ` ('${subject}')` : ''} matches a federated credential on the app only if letter case is ignored: Entra compares subjects case-sensitively.`,
      fix: [
        "Make the credential's subject exactly the connection's, letter case included: `wif sync --config FILE --yes` rebinds it to the subject Azure DevOps presents (or `wif verify --config FILE` to see both strings).",
        'If the case changed because the organization, project or connection was renamed (a legacy sc:// subject embeds those names), keep the new spelling and rebind; or move the connection to the Entra issuer, whose subject uses ids: `wif migrate convert --issuer --connection NAME --project PROJECT`.',
      ],
      evidence: ['differs only in letter case (AADSTS7002138)', ...(subject ? [`presented subject: ${subject}`] : [])],
      codes: aadsts(7002138),
    });
  }
  const issuer = presented(text, 'issuer');
  if (codes.has(700211) || issuer !== undefined) {
    const kind = issuer === undefined ? 'other' : issuerKind(issuer);
    found.add('IssuerMismatch', {
      confidence: 'certain',
      summary:
        kind === 'entra'
          ? `The pipeline presents the Entra issuer ('${issuer}') but no credential on the app has it: the credential is probably still on the legacy Azure DevOps issuer.`
          : kind === 'legacy'
            ? `The pipeline presents the legacy Azure DevOps issuer ('${issuer}') and no credential on the app has it.`
            : undefined,
      evidence: issuer ? [`presented issuer: ${issuer}`] : [],
      codes: aadsts(700211),
    });
  }
  const audience = presented(text, 'audience');
  if (codes.has(700212) || audience !== undefined) {
    found.add('AudienceMismatch', {
      confidence: 'certain',
      evidence: audience ? [`presented audience: ${audience}`] : [],
      codes: aadsts(700212),
    });
  }
  if (codes.has(70025) || /has no configured federated identity credentials/i.test(text)) {
    found.add('NoFederatedCredentials', { confidence: 'certain', codes: aadsts(70025) });
  }
};

function legacySubjectHint(subject: string): string[] {
  return subject.startsWith('sc://')
    ? ['a legacy subject embeds the organization, project and connection names: a rename of any of them breaks it']
    : [];
}

/**
 * AADSTS70021 says only "no matching record". The Azure DevOps table reads it by the issuer it
 * quotes (a legacy issuer: no credential, or the wrong issuer); the seed calls it the canonical
 * subject error; and Entra answers it for minutes after a credential is written.
 */
const noMatchingRecord: Rule = (text, codes, found) => {
  if (!codes.has(70021) && !/No matching federated identity record found for presented assertion\./i.test(text)) return;
  const issuer = assertionField(text, 'Issuer');
  const subject = assertionField(text, 'Subject');
  const audience = assertionField(text, 'Audience');
  const evidence = [
    ...(issuer ? [`presented issuer: ${issuer}`] : []),
    ...(subject ? [`presented subject: ${subject}`] : []),
    ...(audience ? [`presented audience: ${audience}`] : []),
  ];
  const codes70021 = aadsts(70021);
  if (issuer !== undefined && subject === undefined && issuerKind(issuer) === 'legacy') {
    found.add('IssuerMismatch', {
      confidence: 'likely',
      summary: `The pipeline presents the Azure DevOps issuer ('${issuer}'): either no federated credential was created, or the credential's issuer is not that one.`,
      evidence,
      codes: codes70021,
    });
  } else {
    found.add('SubjectMismatch', {
      confidence: 'likely',
      summary: subject
        ? `No federated credential matches what the pipeline presented (subject '${subject}'): the subject (most often) or the issuer differs, usually by letter case or a rename.`
        : 'No federated credential matches what the pipeline presented: usually the subject differs, often only in letter case.',
      evidence: [...evidence, ...(subject ? legacySubjectHint(subject) : [])],
      codes: codes70021,
    });
    found.add('IssuerMismatch', { confidence: 'possible', evidence, codes: codes70021 });
  }
  found.add('CredentialPropagation', {
    confidence: 'possible',
    evidence: ['AADSTS70021 is also answered for a few minutes after a federated credential is created or changed'],
    codes: codes70021,
  });
};

// The two cases of the Azure DevOps table, put first when the times say which one it is.
const [AFTER_AN_HOUR = '', WITHIN_AN_HOUR = ''] = CATALOGUE.AssertionExpired.fix;

/** AADSTS700024: tell a clock that is off from an assertion that was kept too long. */
const assertionLifetime: Rule = (text, codes, found) => {
  if (!codes.has(700024) && !/not within its valid time range/i.test(text)) return;
  const c = aadsts(700024);
  const { now, validFrom, expiry } = assertionTimes(text);
  if (now !== undefined && validFrom !== undefined && now < validFrom) {
    found.add('ClockSkew', {
      confidence: 'likely',
      summary: `The assertion was not valid yet: its validity starts ${minutes(validFrom - now)} after Entra's current time, so the clock that stamped it runs ahead.`,
      evidence: [`assertion valid from ${iso(validFrom)}, Entra's time ${iso(now)}`],
      codes: c,
    });
    return;
  }
  if (now !== undefined && validFrom !== undefined && expiry !== undefined && now >= expiry) {
    const age = now - validFrom;
    const evidence = [`assertion issued ${minutes(age)} before it was presented; it was valid for ${minutes(expiry - validFrom)}`];
    if (age >= 60 * MINUTE) {
      found.add('AssertionExpired', {
        confidence: 'likely',
        summary: `The assertion was presented ${minutes(age)} after it was issued: the job kept it past its lifetime.`,
        fix: [AFTER_AN_HOUR],
        evidence,
        codes: c,
      });
    } else if (age >= 10 * MINUTE) {
      found.add('AssertionExpired', {
        confidence: 'likely',
        summary: `The assertion was presented ${minutes(age)} after it was issued: the job kept it past its lifetime.`,
        fix: [WITHIN_AN_HOUR],
        evidence,
        codes: c,
      });
    } else {
      // Expired within minutes of being issued: a short-lived (legacy, 5-minute) token kept over a
      // slow step, or a clock that is off on the machine involved.
      found.add('AssertionExpired', { confidence: 'possible', evidence, codes: c });
      found.add('ClockSkew', { confidence: 'possible', evidence, codes: c });
    }
    return;
  }
  found.add('AssertionExpired', { confidence: 'likely', codes: c });
  found.add('ClockSkew', {
    confidence: 'possible',
    codes: c,
    evidence: ['no readable times in the message; on a self-hosted agent, check its clock'],
  });
};

const iso = (ms: number): string => new Date(ms).toISOString();

/** Entra codes whose meaning is one cause, whatever else the text says. */
const singleCodes: Rule = (text, codes, found) => {
  if (codes.has(700016) || /Application with identifier '[^'\r\n]{0,100}' (?:wasn't|was not) found/i.test(text)) {
    const appId = /Application with identifier '([^'\r\n]{1,100})'/i.exec(text)?.[1];
    found.add('AppNotFound', { confidence: 'certain', evidence: appId ? [`application id: ${appId}`] : [], codes: aadsts(700016) });
  }
  if (codes.has(7000215) || codes.has(7000222) || /Invalid client secret provided|client secret keys .{0,100}are expired/i.test(text)) {
    found.add('SecretInvalid', { confidence: 'certain', codes: aadsts(...[7000215, 7000222].filter((n) => codes.has(n))) });
  }
  if (codes.has(70052) || /must be a managed identity, a single tenant app, or a service account/i.test(text)) {
    found.add('MultiTenantApp', { confidence: 'certain', codes: aadsts(70052) });
  }
  if (
    codes.has(700223) ||
    codes.has(700238) ||
    /Workload identity federation (?:is|has been) constrained|isn't allowed to use workload identity federation/i.test(text)
  ) {
    found.add('FederationRestricted', { confidence: 'certain', codes: aadsts(...[700223, 700238].filter((n) => codes.has(n))) });
  }
  if (codes.has(7000229) || /missing service principal in the tenant/i.test(text)) {
    found.add('ServicePrincipalMissing', { confidence: 'certain', codes: aadsts(7000229) });
  }
  if (codes.has(900382) || /Confidential Client is not supported in Cross Cloud/i.test(text)) {
    found.add('CrossCloudUnsupported', { confidence: 'certain', codes: aadsts(900382) });
  }
};

const armRule =
  (denial: ArmDenial | undefined): Rule =>
  (_text, _codes, found) => {
    if (!denial) return;
    found.add('RoleAssignmentMissing', {
      confidence: 'certain',
      summary: denial.scope
        ? `The service principal${denial.objectId ? ` (object id ${denial.objectId})` : ''} may not ${denial.action ? `perform '${denial.action}'` : 'do this'} at '${denial.scope}': no role assignment at that scope or above allows it.`
        : undefined,
      evidence: [
        ...(denial.scope ? [`scope: ${denial.scope}`] : []),
        ...(denial.action ? [`action: ${denial.action}`] : []),
        ...(denial.clientId ? [`client id: ${denial.clientId}`] : []),
        ...(denial.objectId ? [`service principal object id: ${denial.objectId}`] : []),
      ].map(clip),
      codes: ['AuthorizationFailed'],
    });
  };

/** Azure DevOps' own messages: the connection is invisible, unauthorized, or waiting for a gate. */
const devopsRules: Rule = (text, _codes, found) => {
  const name = missingConnectionName(text);
  const evidence = name ? [`connection named in the pipeline: ${clip(name)}`] : [];
  const notFound =
    /which could not be found|service connection .{0,300}?(?:could not be found|does not exist)|ServiceConnectionId is malformed or the connection does not exist/i.test(
      text,
    );
  // "… does not exist, has been disabled or has not been authorized for use": the documented reason
  // is a reference that was never authorized for the pipeline, but a connection of another project
  // reads the same.
  const unauthorized =
    /has not been authorized for use|not authorized to use|does not have permissions? to use (?:the )?(?:referenced )?service connection|needs permission to access (?:a |\d+ )?resources?|resource authorization issue/i.test(
      text,
    );
  if (unauthorized) found.add('PipelineNotAuthorized', { confidence: 'likely', evidence });
  if (notFound) found.add('ConnectionNotShared', { confidence: 'likely', evidence });
  if (
    /waiting for (?:an? )?(?:approval|review|checks?)|approvals? (?:is |are )?pending|needs? your review|approvals? and checks|checks? (?:are |is )?pending/i.test(
      text,
    )
  ) {
    found.add('ApprovalPending', { confidence: 'likely' });
  }
  // The seed: "unable to access Service Connection" is, eight times out of ten, an approval gate.
  if (/unable to access (?:the )?service connection/i.test(text)) {
    found.add('ApprovalPending', {
      confidence: 'possible',
      evidence: ['most often an environment approval gate the run has not passed yet'],
    });
    found.add('PipelineNotAuthorized', { confidence: 'possible' });
  }
};

/** Messages of tasks that cannot use workload identity federation, and of misconfigured federation. */
const taskRules: Rule = (text, codes, found) => {
  if (/unsupported protocol scheme|\bIdentity not found\b|Could not fetch access token for Azure/i.test(text)) {
    // With an AADSTS code in the same text the task did try to federate: that code tells more.
    found.add('TaskDoesNotSupportWif', { confidence: codes.size > 0 ? 'possible' : 'likely' });
  }
  if (/unrecognized arguments?: --federated-token/i.test(text)) {
    found.add('TaskDoesNotSupportWif', {
      confidence: 'certain',
      summary: 'The Azure CLI on the agent is older than 2.30 and cannot sign in with a federated token.',
    });
  }
  if (/Failed to obtain the JSON Web Token \(JWT\)/i.test(text)) {
    found.add('SubjectMismatch', { confidence: 'possible', evidence: ['the federated credential may be misconfigured'] });
    found.add('FederationRestricted', { confidence: 'possible', evidence: ['or the tenant blocks OpenID Connect'] });
  }
};

/**
 * Since 2026 Azure DevOps issues an OIDC token for a service connection only when the running stage
 * references it explicitly: "There is no explicit reference to service connection {id} from current
 * stage …" (the connection id quoted back as evidence).
 */
const stageReferenceRule: Rule = (text, _codes, found) => {
  const m =
    /There is no explicit reference to (?:the )?service connection\s+['"]?([^\s'"]{1,100}?)['"]?\s+from (?:the )?current stage/i.exec(text);
  if (!m) return;
  found.add('ConnectionNotReferenced', { confidence: 'certain', evidence: [`service connection: ${clip(m[1] ?? '')}`] });
};

/** Runs every rule over (redacted) text. @internal */
export function readText(input: string): TextReading {
  const text = redact(input.slice(0, MAX_TEXT));
  const codes = new Set(aadstsCodes(text));
  const denial = armDenial(text);
  const findings = new Findings();
  for (const rule of [
    subjectRules,
    noMatchingRecord,
    assertionLifetime,
    singleCodes,
    armRule(denial),
    devopsRules,
    taskRules,
    stageReferenceRule,
  ]) {
    rule(text, codes, findings);
  }
  return { findings, denial };
}

/** The diagnosis of last resort: what to collect, and the codes seen. @internal */
export function unknownDiagnosis(text: string): Diagnosis {
  const codes = aadstsCodes(redact(text.slice(0, MAX_TEXT)));
  const found = new Findings();
  found.add('Unknown', {
    confidence: 'possible',
    evidence: codes.map((c) => `AADSTS${c}: see https://login.microsoftonline.com/error?code=${c}`),
    codes: aadsts(...codes),
  });
  return found.list()[0]!;
}

/**
 * Diagnoses a failure from its text alone: an AADSTS message, an Azure DevOps task error, a
 * pipeline log excerpt, an ARM error. Pure: sends nothing.
 *
 * Recognises subject, issuer and audience mismatches (AADSTS70021, 700211, 700212, 700213, 70025;
 * 7002138 for a subject that differs only in letter case),
 * credential propagation, an expired assertion or a clock that is off (700024, told apart by the
 * times in the message), a missing role assignment (ARM `AuthorizationFailed`, naming the scope), a
 * connection not shared with the project or not authorized for the pipeline, a pending approval, a
 * multi-tenant app (70052), tenant policy (700223, 700238), an unknown app (700016), a missing
 * service principal (7000229), an invalid client secret (7000215), tasks without federation
 * support, cross-cloud blocks (900382) and an OIDC token refused because the running stage does not
 * reference the connection explicitly. Anything else is one `Unknown` diagnosis saying what to
 * collect. Strongest confidence first; never empty. Everything quoted back is redacted (a pasted
 * log may hold a token).
 *
 * @example
 * const [top] = diagnoseText("AADSTS700213: No matching federated identity record found for presented assertion subject 'sc://contoso/web/prod'.");
 * top.cause; // 'SubjectMismatch'
 */
export function diagnoseText(text: string): Diagnosis[] {
  const found = readText(text).findings.list();
  return found.length > 0 ? found : [unknownDiagnosis(text)];
}
