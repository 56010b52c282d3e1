import { AzurePipelinesCredential, DefaultAzureCredential } from '@azure/identity';
import { PersonalAccessTokenCredential } from '@wif/core';
import { decodeTestToken } from '@wif/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pipelineIdentity, resolveAuth } from './auth';

const PAT = 'pat-value-that-must-never-be-printed';
const PIPELINE = {
  AZURESUBSCRIPTION_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  AZURESUBSCRIPTION_CLIENT_ID: '11111111-1111-4111-8111-111111111111',
  AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: '22222222-2222-4222-8222-222222222222',
  SYSTEM_OIDCREQUESTURI:
    'https://dev.azure.com/contoso/00000000-0000-0000-0000-000000000000/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken',
  SYSTEM_ACCESSTOKEN: 'job-access-token-value',
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('resolveAuth', () => {
  it('uses DefaultAzureCredential outside a pipeline and Entra for Azure DevOps when no PAT is set', async () => {
    const auth = (await resolveAuth({}, { devopsAuth: 'auto' }))._unsafeUnwrap();
    expect(auth.credential).toBeInstanceOf(DefaultAzureCredential);
    expect(auth.devopsCredential).toBeUndefined();
    expect(auth.description).toBe('DefaultAzureCredential');
  });

  it('uses AzurePipelinesCredential when the AzureCLI task exposes its service connection', async () => {
    expect(pipelineIdentity(PIPELINE)).toMatchObject({ clientId: PIPELINE.AZURESUBSCRIPTION_CLIENT_ID });
    const { SYSTEM_OIDCREQUESTURI: _, ...incomplete } = PIPELINE;
    expect(pipelineIdentity(incomplete)).toBeUndefined();
    // The credential itself reads the job's variables from the process environment.
    vi.stubEnv('SYSTEM_OIDCREQUESTURI', PIPELINE.SYSTEM_OIDCREQUESTURI);
    const auth = (await resolveAuth(PIPELINE, { devopsAuth: 'entra' }))._unsafeUnwrap();
    expect(auth.credential).toBeInstanceOf(AzurePipelinesCredential);
    expect(auth.description).toContain(PIPELINE.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID);
    expect(auth.description).not.toContain(PIPELINE.SYSTEM_ACCESSTOKEN);
  });

  it('takes a PAT for Azure DevOps from AZURE_DEVOPS_EXT_PAT, naming the variable, never the value', async () => {
    const auth = (await resolveAuth({ AZURE_DEVOPS_EXT_PAT: PAT, SYSTEM_ACCESSTOKEN: 'other' }, { devopsAuth: 'auto' }))._unsafeUnwrap();
    expect(auth.devopsCredential).toBeInstanceOf(PersonalAccessTokenCredential);
    expect(auth.description).toContain('AZURE_DEVOPS_EXT_PAT');
    expect(`${auth.description} ${JSON.stringify(auth)} ${String(auth.devopsCredential)}`).not.toContain(PAT);
  });

  it('falls back to SYSTEM_ACCESSTOKEN, and leaves Azure DevOps on Entra with --devops-auth entra', async () => {
    expect((await resolveAuth({ SYSTEM_ACCESSTOKEN: 'job-token-value' }, { devopsAuth: 'auto' }))._unsafeUnwrap().description).toContain(
      'SYSTEM_ACCESSTOKEN',
    );
    expect((await resolveAuth({ AZURE_DEVOPS_EXT_PAT: PAT }, { devopsAuth: 'entra' }))._unsafeUnwrap().devopsCredential).toBeUndefined();
  });

  it('refuses --devops-auth pat without a token', async () => {
    expect((await resolveAuth({}, { devopsAuth: 'pat' }))._unsafeUnwrapErr()).toMatchObject({ kind: 'Usage' });
  });

  it('uses the development credential against the emulator, whose tokens name the service they are for', async () => {
    const auth = (
      await resolveAuth({ AZURE_DEVOPS_EXT_PAT: PAT }, { devopsAuth: 'auto', emulator: 'http://127.0.0.1:4010' })
    )._unsafeUnwrap();
    expect(auth.devopsCredential).toBeUndefined();
    const token = await auth.credential.getToken('https://management.azure.com/.default');
    expect(decodeTestToken(`Bearer ${token!.token}`)?.aud).toBe('https://management.azure.com');
  });
});
